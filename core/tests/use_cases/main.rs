//! The use cases of `sinmungo-core` against the memory fakes: what a citizen,
//! an officer or an operator would notice, one module per capability.

mod accounts;
mod analysis;
mod comments_and_classification;
mod duplicates;
mod events_and_faults;
mod interactions;
mod jobs;
mod lifecycle;
mod mail;
mod notifications;
mod photos;
mod routing_and_sla;
mod sessions;
mod submit;
mod support_and_duplicates;
mod visibility;
mod window;
mod world;
