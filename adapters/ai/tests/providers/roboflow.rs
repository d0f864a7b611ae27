//! Roboflow hosted detection: the request it documents, the answer it documents.

use base64::Engine as _;
use serde_json::json;
use sinmungo_ai::{ApiKey, ConfigError, RoboflowConfig, RoboflowDetector};
use sinmungo_core::ports::{AiError, Detection, Detections, ImageDetector};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{image, roboflow_answer, roboflow_config, ROBOFLOW_KEY, ROBOFLOW_PATH};

async fn answering(response: ResponseTemplate) -> (MockServer, RoboflowDetector) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ROBOFLOW_PATH))
        .respond_with(response)
        .mount(&server)
        .await;
    let detector = RoboflowDetector::new(roboflow_config(&server.uri())).unwrap();
    (server, detector)
}

#[tokio::test]
async fn detections_are_read_from_the_documented_answer() {
    let (_server, detector) =
        answering(ResponseTemplate::new(200).set_body_json(roboflow_answer())).await;

    let found = detector.detect(&image()).await.unwrap();

    assert_eq!(
        found,
        Detections {
            model: "pothole-detection-xyz/3".to_owned(),
            items: vec![
                Detection {
                    label: "pothole".to_owned(),
                    confidence: 0.91,
                    x: 320.5,
                    y: 240.0,
                    width: 80.0,
                    height: 40.0,
                },
                Detection {
                    label: "crack".to_owned(),
                    confidence: 0.42,
                    x: 100.0,
                    y: 50.0,
                    width: 20.0,
                    height: 10.5,
                },
            ],
        }
    );
}

#[tokio::test]
async fn the_request_is_the_documented_one() {
    let (server, detector) =
        answering(ResponseTemplate::new(200).set_body_json(roboflow_answer())).await;

    detector.detect(&image()).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), ROBOFLOW_PATH);
    let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    assert_eq!(query, [("api_key".to_owned(), ROBOFLOW_KEY.to_owned())]);
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&request.body)
        .unwrap();
    assert_eq!(decoded, image().bytes);
}

#[tokio::test]
async fn no_predictions_is_an_empty_answer() {
    let answer = json!({"time": 0.02, "image": {"width": 640, "height": 480}, "predictions": []});
    let (_server, detector) = answering(ResponseTemplate::new(200).set_body_json(answer)).await;

    let found = detector.detect(&image()).await.unwrap();

    assert_eq!(found.model, "pothole-detection-xyz/3");
    assert!(found.items.is_empty());
}

#[tokio::test]
async fn confidences_outside_zero_to_one_are_clamped() {
    let answer = json!({"predictions": [
        {"x": 1.0, "y": 1.0, "width": 1.0, "height": 1.0, "confidence": 1.5, "class": "pothole"}
    ]});
    let (_server, detector) = answering(ResponseTemplate::new(200).set_body_json(answer)).await;

    let found = detector.detect(&image()).await.unwrap();

    assert_eq!(found.items[0].confidence, 1.0);
}

#[tokio::test]
async fn an_answer_that_is_not_the_documented_shape_is_malformed() {
    for body in [
        "<html>Bad gateway</html>",
        "{\"predictions\": [{\"x\": 1}]}",
        "{\"message\": \"ok\"}",
    ] {
        let (server, detector) = answering(ResponseTemplate::new(200).set_body_string(body)).await;

        let result = detector.detect(&image()).await;

        assert!(
            matches!(result, Err(AiError::Malformed(_))),
            "{body}: {result:?}"
        );
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "no retry"
        );
    }
}

#[test]
fn a_config_that_cannot_work_is_refused() {
    let key = || ApiKey::new("k");
    let refused = |config: RoboflowConfig| RoboflowDetector::new(config).unwrap_err();
    assert!(matches!(
        refused(RoboflowConfig::new("pothole/../x", 3, key())),
        ConfigError::InvalidModel { .. }
    ));
    assert_eq!(
        refused(RoboflowConfig::new("pothole", 3, ApiKey::new(""))),
        ConfigError::MissingApiKey("roboflow")
    );
    assert!(matches!(
        refused(RoboflowConfig::new("pothole", 3, key()).with_base_url("detect.roboflow.com")),
        ConfigError::InvalidBaseUrl { .. }
    ));
}

#[test]
fn the_defaults_are_roboflows_hosted_api() {
    let config = RoboflowConfig::new("pothole", 3, ApiKey::new("k"));
    assert_eq!(config.base_url, "https://detect.roboflow.com");
    assert_eq!(config.timeout, RoboflowConfig::DEFAULT_TIMEOUT);
    assert!(RoboflowDetector::new(config).is_ok());
}
