//! Reports submitted through the core's use cases on the memory fakes.

use sinmungo_core::app::{Policy, RegisterRequest, SubmitRequest, UseCases};
use sinmungo_core::domain::access::{Actor, Principal};
use sinmungo_core::domain::event::EventEnvelope;
use sinmungo_memory::{memory_ports, MemoryHandles};

/// `count` reports submitted in memory, and their submission events (as the outbox holds them).
pub async fn submitted_reports(count: usize) -> (UseCases, MemoryHandles, Vec<EventEnvelope>) {
    let (ports, handles) = memory_ports();
    let uc = UseCases::new(ports, &Policy::default());
    uc.directory.seed().await.unwrap();
    let user = uc
        .accounts
        .register(RegisterRequest {
            email: "minji@example.kr".to_owned(),
            password: "jeonbuk2026!".to_owned(),
            display_name: "minji".to_owned(),
        })
        .await
        .unwrap();
    let citizen = Actor::User(Principal {
        id: user.id,
        role: user.role,
        department: user.department.clone(),
    });
    for n in 0..count {
        uc.submit
            .execute(
                &citizen,
                SubmitRequest {
                    title: format!("밤길 {n}"),
                    description: "골목이 너무 어두워요".to_owned(),
                    lat: Some(35.8242),
                    lng: Some(127.1480),
                    ..SubmitRequest::default()
                },
            )
            .await
            .unwrap();
    }
    let events = handles
        .reports
        .outbox()
        .into_iter()
        .filter(|e| e.event_type == "report.submitted")
        .collect();
    (uc, handles, events)
}
