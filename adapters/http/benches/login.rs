//! What one sign-in costs the server: an argon2id verification at the
//! parameters the server uses (m = 19 MiB, t = 2, p = 1, OWASP's minimum),
//! plus what else a login does per request (signing an access token, making
//! a refresh token) for scale; and what authenticating a request costs
//! without the store (verifying a JWT).
//!
//! ```text
//! cargo bench -p sinmungo-http --bench login
//! BENCH_ITERATIONS=50 cargo bench -p sinmungo-http --bench login
//! ```
//!
//! The login cost bounds sign-ins per core: at ~N ms each, one core verifies
//! about 1000/N passwords a second — which is also what a brute-force run
//! against one server gets, before rate limits.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::Utc;
use sinmungo_core::domain::{DisplayName, Email, Password, Role, SessionId, User, UserId};
use sinmungo_core::ports::PasswordHasher as _;
use sinmungo_crypto::Argon2Hasher;
use sinmungo_http::auth::{TokenConfig, TokenService};
use uuid::Uuid;

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(1);
    let median = samples[n / 2];
    let p90 = samples[(n * 9 / 10).min(n - 1)];
    format!(
        "mean {:.3} ms, median {:.3} ms, p90 {:.3} ms ({n} runs)",
        mean.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let hasher = Argon2Hasher::new();
    let password = Password::new("jeonbuk2026!").map_err(|e| format!("{e:?}"))?;
    let hash = hasher.hash(&password).await?;
    println!(
        "argon2 parameters: {}",
        hash.as_str().split('$').nth(3).unwrap_or("?")
    );

    let mut verify = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        assert!(hasher.verify(&password, &hash).await?);
        verify.push(started.elapsed());
    }
    println!("argon2id verify (one sign-in): {}", summary(verify));

    let tokens = TokenService::new(TokenConfig::with_secret(vec![7; 48]));
    let user = User {
        id: UserId(Uuid::now_v7()),
        email: Email::new("kim@jeonbuk.go.kr").map_err(|e| format!("{e:?}"))?,
        display_name: DisplayName::new("김담당").map_err(|e| format!("{e:?}"))?,
        role: Role::Staff,
        department: None,
        password_hash: None,
        created_at: Utc::now(),
    };
    let session = SessionId(Uuid::now_v7());
    let rounds = iterations * 1000;
    let started = Instant::now();
    let mut token = String::new();
    for _ in 0..rounds {
        token = tokens.access_token(&user, session)?;
        let _ = TokenService::refresh_token();
    }
    println!(
        "sign an access token + make a refresh token: {:.2} µs",
        started.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
    let started = Instant::now();
    for _ in 0..rounds {
        tokens.verify(&token)?;
    }
    println!(
        "verify an access token (signature, kid, claims): {:.2} µs",
        started.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
    Ok(())
}
