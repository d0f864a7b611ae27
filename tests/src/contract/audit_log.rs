//! `AuditLog`: entries read back newest first, by target, up to a limit.

use chrono::TimeDelta;
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::AuditQuery;
use uuid::Uuid;

use crate::contract::fixtures::{audit_entry, t};
use crate::contract::{CheckResult, Stores};

/// Entries come back whole (time to the microsecond), newest first whatever
/// the order they were recorded in, filtered by exact target and cut at the limit.
pub async fn audit_log_lists_newest_first_by_target_with_limit(stores: &Stores) -> CheckResult {
    let audit = stores.audit.as_ref();
    let (a, b) = ("report:a", "report:b");
    let mut first = audit_entry(a, t(10), "report.assign");
    first.actor = Some(UserId(Uuid::from_u128(7)));
    first.actor_role = Some(Role::Admin);
    first.before = serde_json::Value::Null;
    let second = audit_entry(b, t(30), "report.transition");
    let third = audit_entry(a, t(20), "report.transition");
    let mut fourth = audit_entry(
        a,
        t(40) + TimeDelta::nanoseconds(1_500),
        "report.reclassify",
    );
    fourth.after =
        serde_json::json!({ "category": "safety_hazard", "note": "싱크홀 \"긴급\"", "n": 1.5 });
    for entry in [&first, &second, &third, &fourth] {
        audit.record(entry).await?;
    }
    let mut fourth_stored = fourth.clone();
    fourth_stored.at = t(40) + TimeDelta::microseconds(1);

    let list = |target: Option<&str>, limit: u32| AuditQuery {
        target: target.map(str::to_owned),
        limit,
    };
    assert_eq!(
        audit.list(&list(None, 10)).await?,
        [
            fourth_stored.clone(),
            second.clone(),
            third.clone(),
            first.clone()
        ],
        "everything, newest first"
    );
    assert_eq!(
        audit.list(&list(Some(a), 10)).await?,
        [fourth_stored.clone(), third.clone(), first],
        "one target"
    );
    assert_eq!(
        audit.list(&list(Some(a), 2)).await?,
        [fourth_stored, third],
        "limited"
    );
    assert_eq!(
        audit.list(&list(Some(b), 10)).await?,
        [second],
        "the other target"
    );
    assert_eq!(
        audit.list(&list(Some("report:"), 10)).await?,
        [],
        "targets match exactly"
    );
    Ok(())
}

/// `recorded_targets` answers which of the targets asked about have
/// entries, each once, matching exactly; none asked, none answered.
pub async fn audit_log_says_which_targets_have_entries(stores: &Stores) -> CheckResult {
    let audit = stores.audit.as_ref();
    for (target, at) in [
        ("import:a", t(10)),
        ("import:b", t(20)),
        ("import:a", t(30)),
        ("report:x", t(40)),
    ] {
        audit
            .record(&audit_entry(target, at, "report.import"))
            .await?;
    }
    let asked: Vec<String> = ["import:a", "import:c", "import:b", "import:", "import:a%"]
        .map(str::to_owned)
        .into();
    let mut recorded = audit.recorded_targets(&asked).await?;
    recorded.sort();
    assert_eq!(recorded, ["import:a", "import:b"]);
    assert_eq!(
        audit.recorded_targets(&[]).await?,
        Vec::<String>::new(),
        "nothing asked"
    );
    // A batch larger than one query binds.
    let many: Vec<String> = (0..12_000)
        .map(|i| format!("import:{i}"))
        .chain(["import:b".to_owned()])
        .collect();
    assert_eq!(audit.recorded_targets(&many).await?, ["import:b"]);
    Ok(())
}
