//! A fresh installation per test: memory fakes, the seeded directory, and
//! helpers that sign people up and submit reports.

use anyhow::Context;
use sinmungo_core::app::{
    NewAccount, Policy, RegisterRequest, SubmitRequest, TransitionRequest, UseCases,
};
use sinmungo_core::domain::access::{Actor, Principal};
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::user::User;
use sinmungo_memory::{memory_ports, MemoryHandles};

/// A password every test account uses.
pub const PASSWORD: &str = "jeonbuk2026!";

/// Jeonju's Wansan district office (전주시 완산구), inside the service area.
pub const JEONJU: (f64, f64) = (35.8242, 127.1480);

/// The sentence of the product's pothole example.
pub const POTHOLE: &str = "집 앞 도로에 큰 포트홀이 생겼어요";

/// The use cases over fresh fakes, and the handles to steer them.
pub struct World {
    /// Every use case.
    pub uc: UseCases,
    /// Clock, faults, and the stores to inspect.
    pub handles: MemoryHandles,
}

impl World {
    /// A new installation with the shipped categories and departments.
    pub async fn new() -> anyhow::Result<Self> {
        let (ports, handles) = memory_ports();
        let uc = UseCases::new(ports, &Policy::default());
        uc.directory.seed().await.context("seeding the directory")?;
        Ok(Self { uc, handles })
    }

    /// A citizen who registered as `<name>@example.kr`.
    pub async fn citizen(&self, name: &str) -> anyhow::Result<Actor> {
        let user = self.uc.accounts.register(registration(name)).await?;
        Ok(actor(&user))
    }

    /// An official created by the operator.
    pub async fn official(
        &self,
        name: &str,
        role: &str,
        department: &str,
    ) -> anyhow::Result<Actor> {
        let user = self
            .uc
            .accounts
            .create_by_operator(NewAccount {
                registration: registration(name),
                role: role.to_owned(),
                department: Some(department.to_owned()),
            })
            .await?;
        Ok(actor(&user))
    }

    /// A public report in Jeonju.
    pub async fn submit(
        &self,
        reporter: &Actor,
        title: &str,
        description: &str,
    ) -> anyhow::Result<Report> {
        Ok(self
            .uc
            .submit
            .execute(reporter, request(title, description))
            .await?)
    }

    /// The stored report.
    pub async fn stored(&self, report: &Report) -> anyhow::Result<Report> {
        let reports = self.handles.reports.as_ref();
        sinmungo_core::ports::ReportStore::get(reports, report.id)
            .await?
            .context("the report is stored")
    }
}

/// The registration of `<name>@example.kr`.
pub fn registration(name: &str) -> RegisterRequest {
    RegisterRequest {
        email: format!("{name}@example.kr"),
        password: PASSWORD.to_owned(),
        display_name: name.to_owned(),
    }
}

/// A signed-in user as the policy sees them.
pub fn actor(user: &User) -> Actor {
    Actor::User(Principal {
        id: user.id,
        role: user.role,
        department: user.department.clone(),
    })
}

/// A submission in Jeonju without a chosen category.
pub fn request(title: &str, description: &str) -> SubmitRequest {
    SubmitRequest {
        title: title.to_owned(),
        description: description.to_owned(),
        lat: Some(JEONJU.0),
        lng: Some(JEONJU.1),
        ..SubmitRequest::default()
    }
}

/// A status change to `to`.
pub fn to(status: &str) -> TransitionRequest {
    TransitionRequest {
        to: status.to_owned(),
        ..TransitionRequest::default()
    }
}

/// A status change with a note.
pub fn to_with_note(status: &str, note: &str) -> TransitionRequest {
    TransitionRequest {
        note: Some(note.to_owned()),
        ..to(status)
    }
}
