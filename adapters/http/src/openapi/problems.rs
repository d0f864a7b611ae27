//! The problems a route can answer, as the API description lists them.
//!
//! Each source of errors says what it answers ([`Answers`]) beside the code
//! that answers it: an extractor (`Json`, `Caller`, …) in its module, a use
//! case's error next to its `From<…> for ApiError`, the rate limits, the
//! photo uploads. An operation names its sources (`Problems<Caller,
//! ActionError>`), and its responses are made from theirs: one per status,
//! every code of that status listed with an example.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use axum::http::StatusCode;
use serde_json::json;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// The media type of every problem.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// One problem: its status, its stable code, and what it means (in Korean,
/// for the reader of the description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The stable `code`.
    pub(crate) code: &'static str,
    /// What it means.
    pub(crate) meaning: &'static str,
}

/// A problem of `status` (a valid status code: these are constants).
pub(crate) const fn problem(
    status: StatusCode,
    code: &'static str,
    meaning: &'static str,
) -> Problem {
    Problem {
        status,
        code,
        meaning,
    }
}

/// A source of errors, and the problems it can answer.
pub(crate) trait Answers {
    /// Every problem it can answer.
    const PROBLEMS: &'static [Problem];
}

/// No source (the unused places of [`Problems`]).
impl Answers for () {
    const PROBLEMS: &'static [Problem] = &[];
}

/// The store or a dependency is down: 503 with `Retry-After`.
pub(crate) const UNAVAILABLE: Problem = problem(
    StatusCode::SERVICE_UNAVAILABLE,
    "service_unavailable",
    "저장소나 의존 서비스가 잠시 응답하지 않습니다 (`Retry-After` 초 뒤 다시 시도)",
);
/// 401 `unauthenticated`: the act needs a signed-in caller.
pub(crate) const SIGN_IN_REQUIRED: Problem = problem(
    StatusCode::UNAUTHORIZED,
    "unauthenticated",
    "로그인이 필요합니다",
);
/// 403 `forbidden`: the caller's role does not allow the act.
pub(crate) const FORBIDDEN: Problem = problem(
    StatusCode::FORBIDDEN,
    "forbidden",
    "이 역할로는 할 수 없습니다",
);
/// 404 `not_found`.
pub(crate) const NOT_FOUND: Problem = problem(
    StatusCode::NOT_FOUND,
    "not_found",
    "없거나 볼 수 없는 대상입니다",
);
/// 422 `validation_failed`, with per-field `errors`.
pub(crate) const INVALID: Problem = problem(
    StatusCode::UNPROCESSABLE_ENTITY,
    "validation_failed",
    "입력값이 규칙에 맞지 않습니다 (`errors`에 항목별 이유)",
);

/// What every route may answer, whatever it does: the middleware's problems.
const SERVED: &[Problem] = &[
    problem(
        StatusCode::BAD_REQUEST,
        "ambiguous_request",
        "`Content-Type`, `Authorization`, `Host` 헤더가 두 번 이상 왔습니다",
    ),
    problem(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "요청이 제시간에 도착하지 않았거나 처리되지 않았습니다",
    ),
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "서버 오류입니다 (원인은 서버 로그에만 남습니다)",
    ),
];

/// The problem responses of an operation whose errors come from the sources
/// `A`…`F` (and the middleware), for `#[utoipa::path(responses(…))]`.
#[derive(Debug)]
pub(crate) struct Problems<A, B = (), C = (), D = (), E = (), F = ()>(
    PhantomData<(A, B, C, D, E, F)>,
);

impl<A, B, C, D, E, F> utoipa::IntoResponses for Problems<A, B, C, D, E, F>
where
    A: Answers,
    B: Answers,
    C: Answers,
    D: Answers,
    E: Answers,
    F: Answers,
{
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(
            [
                SERVED,
                A::PROBLEMS,
                B::PROBLEMS,
                C::PROBLEMS,
                D::PROBLEMS,
                E::PROBLEMS,
                F::PROBLEMS,
            ]
            .concat(),
        )
    }
}

/// One response per status: its codes listed with their meaning, the
/// problem schema, and an example of each code.
fn responses(problems: Vec<Problem>) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<Problem>> = BTreeMap::new();
    for problem in problems {
        let same = by_status.entry(problem.status.as_u16()).or_default();
        if !same.iter().any(|known| known.code == problem.code) {
            same.push(problem);
        }
    }
    by_status
        .into_iter()
        .map(|(status, problems)| (status.to_string(), response(&problems).into()))
        .collect()
}

fn response(problems: &[Problem]) -> Response {
    let description = problems
        .iter()
        .map(|p| format!("- `{}`: {}", p.code, p.meaning))
        .collect::<Vec<_>>()
        .join("\n");
    let examples = problems.iter().map(|p| {
        let example = ExampleBuilder::new()
            .summary(p.meaning)
            .value(Some(json!({
                "type": format!("urn:sinmungo:problem:{}", p.code),
                "title": p.status.canonical_reason().unwrap_or("Error"),
                "status": p.status.as_u16(),
                "detail": p.meaning,
                "code": p.code,
            })))
            .build();
        (p.code, example)
    });
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .examples_from_iter(examples)
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Twice;
    impl Answers for Twice {
        const PROBLEMS: &'static [Problem] = &[NOT_FOUND, INVALID, UNAVAILABLE];
    }

    #[test]
    fn one_response_per_status_lists_each_code_once() {
        let responses = <Problems<Twice, Twice> as utoipa::IntoResponses>::responses();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["400", "404", "408", "422", "500", "503"]);
        let RefOr::T(not_found) = &responses["404"] else {
            unreachable!("responses are inline")
        };
        assert_eq!(not_found.description.matches("`not_found`").count(), 1);
        let examples = &not_found.content[PROBLEM_JSON].examples;
        assert_eq!(examples.keys().collect::<Vec<_>>(), ["not_found"]);
    }
}
