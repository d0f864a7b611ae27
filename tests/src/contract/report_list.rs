//! `ReportStore::list`: scope, every filter, their combination, and cursor pages.

use sinmungo_core::domain::geo::{BoundingBox, Circle};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, Visibility};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::fold_for_search;
use sinmungo_core::domain::text::{Description, ReportTitle};
use sinmungo_core::ports::{Page, ReportOrder, ReportQuery, ReportSketch, Scope};

use crate::contract::fixtures::{
    category, department, numbers, parsed, point, report_id, World, JEONJU,
};
use crate::contract::{CheckResult, Stores};

/// The numbers of one page, newest first; the page's sketches (what the
/// duplicate search scores) are checked against its reports on the way.
async fn listed(w: &World<'_>, query: &ReportQuery) -> anyhow::Result<Vec<u64>> {
    let page = w.reports().list(query).await?;
    assert_eq!(page.next, None, "{query:?} fits one page");
    let sketches: Vec<ReportSketch> = page
        .items
        .iter()
        .map(|report| ReportSketch {
            id: report.id,
            location: report.location,
            created_at: report.created_at,
            title_folded: fold_for_search(report.title.as_str()),
            description_folded: fold_for_search(report.description.as_str()),
        })
        .collect();
    assert_eq!(
        w.reports().sketches(query).await?,
        sketches,
        "the sketches of {query:?}"
    );
    Ok(numbers(&page.items))
}

fn all() -> ReportQuery {
    ReportQuery::new(Scope::All)
}

/// Public reports for everyone, own private ones for their reporter, all for officials.
pub async fn list_scope_decides_visibility(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let (alice, bob) = (w.alice.id, w.bob.id);
    let alice_public = w.create(1, |_| {}).await?;
    w.create(2, |r| r.visibility = Visibility::Private).await?;
    w.create(3, |r| {
        r.visibility = Visibility::Private;
        r.reporter = bob;
    })
    .await?;
    w.create(4, |r| r.reporter = bob).await?;

    let cases = [
        (Scope::Public, vec![4, 1]),
        (Scope::PublicAndOwn(alice), vec![4, 2, 1]),
        (Scope::PublicAndOwn(bob), vec![4, 3, 1]),
        (Scope::PublicAndOwn(w.officer.id), vec![4, 1]),
        (Scope::Own(alice), vec![2, 1]),
        (Scope::Own(bob), vec![4, 3]),
        (Scope::Own(w.officer.id), vec![]),
        (Scope::All, vec![4, 3, 2, 1]),
    ];
    for (scope, expected) in cases {
        assert_eq!(
            listed(&w, &ReportQuery::new(scope)).await?,
            expected,
            "{scope:?}"
        );
    }
    let page = w
        .reports()
        .list(&ReportQuery::new(Scope::Own(alice)))
        .await?;
    assert_eq!(
        page.items.last(),
        Some(&alice_public),
        "listed reports are complete"
    );
    Ok(())
}

/// Status, category, priority and department each narrow the list.
pub async fn list_filters_by_status_category_priority_and_department(
    stores: &Stores,
) -> CheckResult {
    let w = World::new(stores).await?;
    let (safety, safety_department, parks) = (
        category("safety_hazard")?,
        department("safety_management")?,
        department("parks")?,
    );
    w.create(1, |_| {}).await?;
    w.create(2, |r| r.status = ReportStatus::InProgress).await?;
    w.create(3, |r| {
        r.category = safety;
        r.department = Some(safety_department);
        r.priority = Priority::Urgent;
    })
    .await?;
    w.create(4, |r| r.priority = Priority::Low).await?;
    w.create(5, |r| r.department = None).await?;
    w.create(6, |r| r.department = Some(parks)).await?;

    let cases: Vec<(&str, ReportQuery, Vec<u64>)> = vec![
        (
            "in progress",
            ReportQuery {
                status: Some(ReportStatus::InProgress),
                ..all()
            },
            vec![2],
        ),
        (
            "received",
            ReportQuery {
                status: Some(ReportStatus::Received),
                ..all()
            },
            vec![6, 5, 4, 3, 1],
        ),
        (
            "closed",
            ReportQuery {
                status: Some(ReportStatus::Closed),
                ..all()
            },
            vec![],
        ),
        (
            "safety",
            ReportQuery {
                category: Some(category("safety_hazard")?),
                ..all()
            },
            vec![3],
        ),
        (
            "roads",
            ReportQuery {
                category: Some(category("road_damage")?),
                ..all()
            },
            vec![6, 5, 4, 2, 1],
        ),
        (
            "noise",
            ReportQuery {
                category: Some(category("noise")?),
                ..all()
            },
            vec![],
        ),
        (
            "urgent",
            ReportQuery {
                priority: Some(Priority::Urgent),
                ..all()
            },
            vec![3],
        ),
        (
            "low",
            ReportQuery {
                priority: Some(Priority::Low),
                ..all()
            },
            vec![4],
        ),
        (
            "normal",
            ReportQuery {
                priority: Some(Priority::Normal),
                ..all()
            },
            vec![6, 5, 2, 1],
        ),
        (
            "road dept",
            ReportQuery {
                department: Some(department("road_management")?),
                ..all()
            },
            vec![4, 2, 1],
        ),
        (
            "parks dept",
            ReportQuery {
                department: Some(department("parks")?),
                ..all()
            },
            vec![6],
        ),
        (
            "safety dept",
            ReportQuery {
                department: Some(department("safety_management")?),
                ..all()
            },
            vec![3],
        ),
    ];
    for (name, query, expected) in cases {
        assert_eq!(listed(&w, &query).await?, expected, "{name}");
    }
    Ok(())
}

/// A bounding box keeps the points inside it, edges and corners included.
pub async fn list_filters_by_bounding_box_including_its_edges(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let places = [
        (1, JEONJU),
        (2, (35.9676, 126.7366)),  // Gunsan
        (3, (35.4164, 127.3905)),  // Namwon
        (4, (35.85, 127.15)),      // on the northern edge
        (5, (35.8, 127.1)),        // on the south-western corner
        (6, (35.85, 127.2000001)), // just east of the north-eastern corner
    ];
    for (n, (lat, lng)) in places {
        let location = point(lat, lng)?;
        w.create(n, |r| r.location = location).await?;
    }
    let around_jeonju = parsed(BoundingBox::parse("127.1,35.8,127.2,35.85"))?;
    let province = parsed(BoundingBox::parse("126.0,35.2,128.0,36.2"))?;
    let seoul = parsed(BoundingBox::parse("126.8,37.4,127.2,37.7"))?;
    for (name, bbox, expected) in [
        ("Jeonju", around_jeonju, vec![5, 4, 1]),
        ("province", province, vec![6, 5, 4, 3, 2, 1]),
        ("Seoul", seoul, vec![]),
    ] {
        let query = ReportQuery {
            bbox: Some(bbox),
            ..all()
        };
        assert_eq!(listed(&w, &query).await?, expected, "{name}");
    }
    Ok(())
}

/// `near` keeps the points within the radius, by the distance [`Circle`] defines
/// (a point in the circle's bounding box but outside the circle is out).
pub async fn list_filters_by_distance(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let places = [
        (1, JEONJU),
        (2, (35.8272, 127.1480)), // ~330 m north
        (3, (35.8342, 127.1480)), // ~1.1 km north
        (4, (35.8242, 127.1530)), // ~450 m east
        (5, (35.8282, 127.1530)), // ~630 m north-east: in the box, outside the circle
        (6, (35.8202, 127.1430)), // ~640 m south-west: likewise
    ];
    for (n, (lat, lng)) in places {
        let location = point(lat, lng)?;
        w.create(n, |r| r.location = location).await?;
    }
    let circle = parsed(Circle::parse("35.8242,127.1480", Some(500.0)))?;
    let query = ReportQuery {
        near: Some(circle),
        ..all()
    };
    assert_eq!(listed(&w, &query).await?, vec![4, 2, 1], "within 500 m");
    let wide = parsed(Circle::parse("35.8242,127.1480", Some(2_000.0)))?;
    let query = ReportQuery {
        near: Some(wide),
        ..all()
    };
    assert_eq!(
        listed(&w, &query).await?,
        vec![6, 5, 4, 3, 2, 1],
        "within 2 km"
    );
    Ok(())
}

/// Text search finds a substring of the title or description, ignoring ASCII
/// case; `%`, `_` and `\` are plain characters.
pub async fn list_text_search_ignores_case_and_treats_wildcards_literally(
    stores: &Stores,
) -> CheckResult {
    let w = World::new(stores).await?;
    let texts = [
        (1, "Pothole on 기린대로", "차선 위에 구멍"),
        (2, "가로등 고장", "밤에 POTHOLE 옆 가로등이 꺼져요"),
        (3, "할인 100% 불법 광고", "현수막"),
        (4, "under_score 표지판", "표지판이 기울었어요"),
        (5, "보도블록 파손", "보도블록이 깨졌어요"),
        (6, "경로 표시", "안내판에 C:\\temp 라고 적혀 있어요"),
    ];
    for (n, title, description) in texts {
        let title = parsed(ReportTitle::new(title))?;
        let description = parsed(Description::new(description))?;
        w.create(n, |r| {
            r.title = title;
            r.description = description;
        })
        .await?;
    }
    let cases: [(&str, Vec<u64>); 11] = [
        ("pothole", vec![2, 1]),
        ("PotHole", vec![2, 1]),
        ("가로등", vec![2]),
        ("깨졌", vec![5]),
        ("기린대로", vec![1]),
        ("0%", vec![3]),
        ("%", vec![3]),
        ("1_0", vec![]),
        ("_", vec![4]),
        ("\\", vec![6]),
        ("없는 말", vec![]),
    ];
    for (text, expected) in cases {
        let query = ReportQuery {
            text: Some(text.to_owned()),
            ..all()
        };
        assert_eq!(listed(&w, &query).await?, expected, "text {text:?}");
    }
    Ok(())
}

/// Every filter at once: a report must pass all of them (each of reports
/// 1 and 3–10 fails exactly one).
pub async fn list_filters_combine_with_and(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let bob = w.bob.id;
    let gunsan = point(35.9676, 126.7366)?;
    let streetlight = parsed(ReportTitle::new("가로등 고장"))?;
    let dark = parsed(Description::new("가로등이 꺼졌어요"))?;
    w.create(1, |_| {}).await?;
    w.create(2, |r| {
        r.status = ReportStatus::InProgress;
        r.assignee = Some(bob);
    })
    .await?;
    w.create(3, |r| {
        r.status = ReportStatus::InProgress;
        r.location = gunsan;
    })
    .await?;
    w.create(4, |r| {
        r.status = ReportStatus::InProgress;
        r.visibility = Visibility::Private;
        r.reporter = bob;
    })
    .await?;
    w.create(5, |r| {
        r.status = ReportStatus::InProgress;
        r.title = streetlight;
        r.description = dark;
    })
    .await?;
    w.create(6, |r| {
        r.status = ReportStatus::InProgress;
        r.priority = Priority::High;
    })
    .await?;
    let (parks, noise) = (department("parks")?, category("noise")?);
    let far_in_the_box = point(35.88, 127.25)?;
    w.create(7, |r| {
        r.status = ReportStatus::InProgress;
        r.department = Some(parks);
    })
    .await?;
    w.create(8, |r| {
        r.status = ReportStatus::InProgress;
        r.category = noise;
    })
    .await?;
    w.create(9, |r| {
        r.status = ReportStatus::InProgress;
        r.location = far_in_the_box;
    })
    .await?;
    w.create(10, |r| r.status = ReportStatus::InProgress)
        .await?;

    let query = ReportQuery {
        scope: Scope::PublicAndOwn(w.alice.id),
        status: Some(ReportStatus::InProgress),
        category: Some(category("road_damage")?),
        priority: Some(Priority::Normal),
        department: Some(department("road_management")?),
        bbox: Some(parsed(BoundingBox::parse("127.0,35.7,127.3,35.9"))?),
        near: Some(parsed(Circle::parse("35.8242,127.1480", Some(2_000.0)))?),
        text: Some("포트홀".to_owned()),
        due: None,
        assignee: Some(bob),
        open_only: true,
        closed_only: false,
        created_since: Some(crate::contract::fixtures::t0()),
        created_until: Some(crate::contract::fixtures::t0() + chrono::TimeDelta::days(1)),
        numbers: [2, 6, 9]
            .map(|n| ReceiptNumber::new(crate::contract::fixtures::YEAR, n))
            .to_vec(),
        ids: [2, 6, 9].map(report_id).to_vec(),
        overdue_at: Some(crate::contract::fixtures::t0() + chrono::TimeDelta::days(8)),
        order: ReportOrder::Newest,
        after: Some(report_id(10)),
        limit: 10,
    };
    assert_eq!(
        listed(&w, &query).await?,
        vec![2],
        "only report 2 passes every filter"
    );
    Ok(())
}

/// Pages follow each other newest first (highest id first, whatever the
/// creation order), without gaps or repeats; `next` is the last item's id
/// while more remain and `None` on the last page, even a full one.
pub async fn list_pages_newest_first_without_gaps_or_duplicates(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    for n in [5, 2, 9, 1, 7, 10, 3, 8, 4, 6] {
        let visibility = if n % 2 == 0 {
            Visibility::Private
        } else {
            Visibility::Public
        };
        w.create(n, |r| r.visibility = visibility).await?;
    }

    let walk = |scope: Scope, limit: u32| {
        let w = &w;
        async move {
            let mut pages = Vec::new();
            let mut query = ReportQuery {
                limit,
                ..ReportQuery::new(scope)
            };
            loop {
                let page: Page<Report> = w.reports().list(&query).await?;
                if let Some(next) = page.next {
                    assert_eq!(
                        Some(next),
                        page.items.last().map(|r| r.id),
                        "next is the last item's id"
                    );
                }
                pages.push(numbers(&page.items));
                match page.next {
                    Some(next) if pages.len() < 20 => query.after = Some(next),
                    Some(_) => anyhow::bail!("pages never end"),
                    None => return anyhow::Ok(pages),
                }
            }
        }
    };
    let expected: [(Scope, u32, Vec<Vec<u64>>); 5] = [
        (
            Scope::All,
            3,
            vec![vec![10, 9, 8], vec![7, 6, 5], vec![4, 3, 2], vec![1]],
        ),
        (
            Scope::All,
            5,
            vec![vec![10, 9, 8, 7, 6], vec![5, 4, 3, 2, 1]],
        ),
        (Scope::All, 10, vec![vec![10, 9, 8, 7, 6, 5, 4, 3, 2, 1]]),
        (Scope::All, 1, (1..=10).rev().map(|n| vec![n]).collect()),
        (Scope::Public, 2, vec![vec![9, 7], vec![5, 3], vec![1]]),
    ];
    for (scope, limit, pages) in expected {
        assert_eq!(walk(scope, limit).await?, pages, "{scope:?}, limit {limit}");
    }
    Ok(())
}

/// The scheduled jobs' lookups: reports resolved before a time; reports
/// still `received` past their first-response time; open reports past their
/// resolution time; neither once flagged; each boundary exclusive.
pub async fn list_finds_what_the_scheduled_jobs_are_due_to_do(stores: &Stores) -> CheckResult {
    use chrono::TimeDelta;
    use sinmungo_core::ports::Due;

    use crate::contract::fixtures::{t, t0};
    let w = World::new(stores).await?;
    // t0 + 1 day: respond_by; t0 + 7 days: due_at (the fixture's clocks).
    let (respond_by, due_at) = (t0() + TimeDelta::days(1), t0() + TimeDelta::days(7));
    w.create(1, |r| {
        r.status = ReportStatus::Resolved;
        r.status_changed_at = t(100);
    })
    .await?;
    w.create(2, |r| {
        r.status = ReportStatus::Resolved;
        r.status_changed_at = t(200);
    })
    .await?;
    w.create(3, |_| {}).await?; // received
    w.create(4, |r| r.status = ReportStatus::InProgress).await?;
    w.create(5, |r| {
        r.status = ReportStatus::Received;
        r.response_breached_at = Some(t(90_000));
    })
    .await?;
    w.create(6, |r| {
        r.status = ReportStatus::Assigned;
        r.resolution_breached_at = Some(t(700_000));
    })
    .await?;
    w.create(7, |r| r.status = ReportStatus::Closed).await?;
    w.create(8, |r| r.status = ReportStatus::Rejected).await?;

    let due = |due: Due| ReportQuery {
        due: Some(due),
        ..all()
    };
    let cases = [
        (
            "resolved before t+200",
            Due::ResolvedBefore(t(200)),
            vec![1],
        ),
        (
            "resolved before t+201",
            Due::ResolvedBefore(t(201)),
            vec![2, 1],
        ),
        (
            "no response yet, at respond_by",
            Due::ResponseOverdue(respond_by),
            vec![],
        ),
        (
            "no response yet, after respond_by",
            Due::ResponseOverdue(respond_by + TimeDelta::microseconds(1)),
            vec![3],
        ),
        (
            "unresolved, at due_at",
            Due::ResolutionOverdue(due_at),
            vec![],
        ),
        (
            "unresolved, after due_at",
            Due::ResolutionOverdue(due_at + TimeDelta::seconds(1)),
            vec![5, 4, 3],
        ),
    ];
    for (what, due_now, expected) in cases {
        assert_eq!(listed(&w, &due(due_now)).await?, expected, "{what}");
    }
    Ok(())
}

/// `open_only` keeps received, assigned and in-progress reports, `closed_only`
/// the others; `created_since` and `created_until` keep those submitted at or
/// after, at or before the time; `numbers` those with one of the receipt
/// numbers, `ids` those with one of the ids.
pub async fn list_filters_open_reports_and_recent_ones(stores: &Stores) -> CheckResult {
    use crate::contract::fixtures::t;
    let w = World::new(stores).await?;
    let statuses = [
        ReportStatus::Received,
        ReportStatus::Assigned,
        ReportStatus::InProgress,
        ReportStatus::Resolved,
        ReportStatus::Closed,
        ReportStatus::Rejected,
        ReportStatus::Duplicate,
    ];
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for (n, status) in (1_u32..).zip(statuses) {
        let report = w
            .create(u64::from(n), |r| {
                r.status = status;
                r.created_at = t(i64::from(n) * 10);
            })
            .await?;
        numbers.push(report.number);
        ids.push(report.id);
    }
    let by_id = ReportQuery {
        ids: vec![ids[6], ids[0], ids[3]],
        ..all()
    };
    assert_eq!(listed(&w, &by_id).await?, [7, 4, 1]);
    let open_by_id = ReportQuery {
        open_only: true,
        ..by_id
    };
    assert_eq!(listed(&w, &open_by_id).await?, [1]);
    let open = ReportQuery {
        open_only: true,
        ..all()
    };
    assert_eq!(listed(&w, &open).await?, [3, 2, 1]);
    let closed = ReportQuery {
        closed_only: true,
        ..all()
    };
    assert_eq!(listed(&w, &closed).await?, [7, 6, 5, 4]);
    let until = |at| ReportQuery {
        created_until: Some(at),
        ..all()
    };
    assert_eq!(listed(&w, &until(t(30))).await?, [3, 2, 1], "inclusive");
    assert_eq!(listed(&w, &until(t(29))).await?, [2, 1]);
    let by_number = ReportQuery {
        numbers: vec![numbers[1], numbers[4]],
        ..all()
    };
    assert_eq!(listed(&w, &by_number).await?, [5, 2]);
    assert_eq!(
        listed(
            &w,
            &ReportQuery {
                closed_only: true,
                ..by_number
            }
        )
        .await?,
        [5]
    );
    let since = |at| ReportQuery {
        created_since: Some(at),
        ..all()
    };
    assert_eq!(
        listed(&w, &since(t(30))).await?,
        [7, 6, 5, 4, 3],
        "inclusive"
    );
    assert_eq!(listed(&w, &since(t(31))).await?, [7, 6, 5, 4]);
    let both = ReportQuery {
        created_since: Some(t(20)),
        ..open.clone()
    };
    assert_eq!(listed(&w, &both).await?, [3, 2]);

    // The badges: counts per status of the same filters, the status filter,
    // cursor and limit aside, by status name.
    assert_eq!(
        w.reports()
            .count_by_status(&ReportQuery {
                status: Some(ReportStatus::Received),
                after: Some(report_id(1)),
                limit: 1,
                ..open
            })
            .await?,
        [
            (ReportStatus::Assigned, 1),
            (ReportStatus::InProgress, 1),
            (ReportStatus::Received, 1)
        ]
    );
    assert_eq!(
        w.reports().count_by_status(&since(t(50))).await?,
        [
            (ReportStatus::Closed, 1),
            (ReportStatus::Duplicate, 1),
            (ReportStatus::Rejected, 1)
        ]
    );
    Ok(())
}

/// `PriorityThenDue`: most urgent first, then the earliest deadline; `Queue`:
/// a missed clock first, then the same; both page through a cursor without
/// gaps or repeats, and filter by assignee and by being overdue.
pub async fn list_orders_by_priority_and_deadline_and_queues_breaches_first(
    stores: &Stores,
) -> CheckResult {
    use chrono::TimeDelta;

    use crate::contract::fixtures::{t, t0};
    let w = World::new(stores).await?;
    let bob = w.bob.id;
    // (n, priority, due in hours, breached, assigned to bob)
    let reports = [
        (1, Priority::Low, 10, false, false),
        (2, Priority::Urgent, 50, false, true),
        (3, Priority::Normal, 5, true, false),
        (4, Priority::Urgent, 20, false, false),
        (5, Priority::High, 30, false, true),
        (6, Priority::Normal, 40, false, false),
        (7, Priority::Low, 1, true, true),
        (8, Priority::Urgent, 20, false, false),
    ];
    for (n, priority, due_hours, breached, mine) in reports {
        w.create(n, |r| {
            r.priority = priority;
            r.due_at = t0() + TimeDelta::hours(due_hours);
            r.resolution_breached_at = breached.then(|| t(1));
            r.assignee = mine.then_some(bob);
        })
        .await?;
    }
    // Urgent 2 (50 h), 4 and 8 (20 h: ids break the tie), high 5, normal 3 (5 h), 6, low 7 (1 h), 1.
    let by_priority = ReportQuery {
        order: ReportOrder::PriorityThenDue,
        ..all()
    };
    assert_eq!(listed(&w, &by_priority).await?, [4, 8, 2, 5, 3, 6, 7, 1]);
    let queue = ReportQuery {
        order: ReportOrder::Queue,
        ..all()
    };
    assert_eq!(listed(&w, &queue).await?, [3, 7, 4, 8, 2, 5, 6, 1]);

    for order in [ReportOrder::PriorityThenDue, ReportOrder::Queue] {
        let mut query = ReportQuery {
            order,
            limit: 3,
            ..all()
        };
        let mut seen = Vec::new();
        loop {
            let page = w.reports().list(&query).await?;
            seen.extend(numbers(&page.items));
            match page.next {
                Some(next) if seen.len() < 20 => query.after = Some(next),
                _ => break,
            }
        }
        let whole = listed(&w, &ReportQuery { order, ..all() }).await?;
        assert_eq!(seen, whole, "{order:?}: pages of 3 make the whole list");
    }

    let mine = ReportQuery {
        assignee: Some(bob),
        order: ReportOrder::Queue,
        ..all()
    };
    assert_eq!(listed(&w, &mine).await?, [7, 2, 5]);
    let overdue = ReportQuery {
        overdue_at: Some(t0() + TimeDelta::hours(20)),
        order: ReportOrder::PriorityThenDue,
        ..all()
    };
    assert_eq!(
        listed(&w, &overdue).await?,
        [3, 7, 1],
        "past the deadline: strictly before the time"
    );
    Ok(())
}
