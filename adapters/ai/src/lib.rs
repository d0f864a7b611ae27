//! Sinmungo's AI providers: Roboflow detection and OpenAI-compatible chat models.
