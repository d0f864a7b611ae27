//! The AI providers triage may consult: an image detector (Roboflow) and a
//! text analyzer (an OpenAI-compatible LLM). Both may be absent; triage then
//! falls back to the classification rules alone.

use std::time::Duration;

use async_trait::async_trait;

use crate::domain::category::CategoryCode;
use crate::domain::priority::Priority;

/// A photo to look at: its encoded bytes (JPEG, PNG or WebP).
#[derive(Clone, PartialEq, Eq)]
pub struct ImageInput {
    /// The encoded image.
    pub bytes: Vec<u8>,
    /// Its media type, e.g. `image/jpeg`.
    pub content_type: String,
}

impl std::fmt::Debug for ImageInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageInput")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// One object found in a photo. Boxes are in pixels, centred on (`x`, `y`),
/// as Roboflow reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The model's class name, e.g. `pothole`.
    pub label: String,
    /// 0.0–1.0.
    pub confidence: f64,
    /// Centre, horizontal.
    pub x: f64,
    /// Centre, vertical.
    pub y: f64,
    /// Box width.
    pub width: f64,
    /// Box height.
    pub height: f64,
}

/// What a detector found in one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Detections {
    /// The model that answered, e.g. `pothole-detection/3`.
    pub model: String,
    /// The objects, in the provider's order.
    pub items: Vec<Detection>,
}

/// A category the analyzer may choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryChoice {
    /// Its code, which the answer must use.
    pub code: CategoryCode,
    /// Its Korean name.
    pub name: String,
    /// Its English name.
    pub name_en: String,
}

/// What the text analyzer is asked about one report.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRequest {
    /// The report's title.
    pub title: String,
    /// The report's description (personal data already masked).
    pub description: String,
    /// What the detector saw in the photos, if anything.
    pub detections: Vec<Detection>,
    /// The categories to choose from.
    pub categories: Vec<CategoryChoice>,
}

/// The analyzer's suggestion. The classification rules make the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSuggestion {
    /// The model that answered, e.g. `google/gemini-2.0-flash-001`.
    pub model: String,
    /// Its category, when it named one of the choices.
    pub category: Option<CategoryCode>,
    /// Its priority, when it gave a valid one.
    pub priority: Option<Priority>,
    /// 0.0–1.0.
    pub confidence: f64,
    /// A one-line summary for officers, if given.
    pub summary: Option<String>,
    /// Whether the text holds personal data; `None` when it did not say.
    pub personal_data: Option<bool>,
    /// The exact pieces of the text it pointed at as personal data.
    pub personal_data_spans: Vec<String>,
}

/// Why a provider gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AiError {
    /// The provider refused the credentials (401/403).
    #[error("the provider refused the credentials")]
    Unauthorized,
    /// Too many requests (429), still so after the retries.
    #[error("rate limited by the provider")]
    RateLimited {
        /// The provider's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// No answer in time, after the retries.
    #[error("the provider did not answer in time")]
    Timeout,
    /// Connection failures or 5xx answers, after the retries.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// The circuit breaker is open after repeated failures; not called.
    #[error("not called: the provider failed repeatedly and is resting")]
    CircuitOpen,
    /// The provider refused the request (another 4xx).
    #[error("the provider rejected the request: {0}")]
    Rejected(String),
    /// The answer could not be understood.
    #[error("the provider's answer could not be understood: {0}")]
    Malformed(String),
}

/// Finds objects in photos (Roboflow hosted detection, or a compatible server).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ImageDetector: Send + Sync {
    /// The objects in one photo.
    async fn detect(&self, image: &ImageInput) -> Result<Detections, AiError>;
}

/// Reads a report's text (an OpenAI-compatible chat model).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait TextAnalyzer: Send + Sync {
    /// A suggested category and priority for one report.
    async fn analyze(&self, request: &TextRequest) -> Result<TextSuggestion, AiError>;
}
