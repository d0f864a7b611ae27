//! API keys stay out of `Debug` output and error messages (logs: `tests/logs`).

use sinmungo_ai::{ApiKey, ChatAnalyzer, RoboflowDetector};

use crate::support::{
    call_at, chat_config, roboflow_config, unreachable_base, BOTH, CHAT_KEY, ROBOFLOW_KEY,
};

#[test]
fn debug_output_redacts_the_keys() {
    let base = "http://127.0.0.1:9";
    let shown = [
        format!("{:?}", ApiKey::new(ROBOFLOW_KEY)),
        format!("{:?}", roboflow_config(base)),
        format!(
            "{:?}",
            RoboflowDetector::new(roboflow_config(base)).unwrap()
        ),
        format!("{:?}", chat_config(base)),
        format!("{:?}", ChatAnalyzer::new(chat_config(base)).unwrap()),
    ];
    for text in shown {
        assert!(
            !text.contains(ROBOFLOW_KEY) && !text.contains(CHAT_KEY),
            "{text}"
        );
        assert!(!text.contains("SECRET"), "{text}");
    }
    assert_eq!(format!("{:?}", ApiKey::new("x")), "ApiKey(<redacted>)");
}

#[tokio::test]
async fn connection_errors_do_not_carry_the_key() {
    for kind in BOTH {
        let error = call_at(kind, &unreachable_base()).await.unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(!text.contains("SECRET"), "{kind:?}: {text}");
        assert!(!text.contains("api_key"), "{kind:?}: {text}");
    }
}
