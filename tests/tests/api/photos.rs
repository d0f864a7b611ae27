//! Photos through the API: uploaded with a report or later, checked by their
//! content, served as EXIF-free public copies and thumbnails, originals for
//! officials only, and all or nothing when an upload is refused.

use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, X_CONTENT_TYPE_OPTIONS,
};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::harness::{created, expect_problem, Form, TestApp};
use sinmungo_storage::samples::{
    exif_of, jpeg, png, png_declaring, segment_markers, with_exif, CAMERA,
};

/// Deokjin park, Jeonju (전주시 덕진구), inside the service area.
const DEOKJIN: (f64, f64) = (35.8470, 127.1220);
/// Seoul City Hall, outside the service area.
const SEOUL: (f64, f64) = (37.5665, 126.9780);

async fn bytes(response: Response) -> Vec<u8> {
    response.bytes().await.expect("body").to_vec()
}

/// A header's value as text (empty when absent).
pub(crate) fn header(response: &Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `n`th photo's URLs in a report body.
fn urls(report: &Value, n: usize) -> &Value {
    &report["photos"][n]["urls"]
}

fn dimensions(jpeg: &[u8]) -> (u32, u32) {
    let image =
        image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).expect("a JPEG");
    (image.width(), image.height())
}

async fn my_reports(app: &TestApp, token: &str) -> Vec<Value> {
    let page = app.get_json("/api/v1/reports?mine=true", Some(token)).await;
    page["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_report_with_three_photos_round_trips() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let staff = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    // Taken on its side (orientation 6: turn 90° clockwise to view), with GPS and a camera model.
    let phone = with_exif(&jpeg(1600, 1200, 1), Some(6), Some(DEOKJIN));
    let wide = jpeg(800, 200, 2);
    let screenshot = png(300, 400, 3);
    let form = Form::report("포트홀 사진 세 장")
        .photo("phone.jpg", &phone)
        .photo("wide.jpg", &wide)
        .file("photos", "screen.png", "image/png", &screenshot);
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), form)
        .await;
    let location = header(&response, LOCATION);
    let report = created(response).await;
    assert_eq!(
        location,
        format!("/api/v1/reports/{}", report["id"].as_str().unwrap())
    );
    assert_eq!(
        (
            report["location"]["lat"].as_f64(),
            report["location"]["lng"].as_f64()
        ),
        (
            Some(crate::harness::JEONJU.0),
            Some(crate::harness::JEONJU.1)
        ),
        "the location sent wins over the photo's GPS"
    );

    let photos = report["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 3);
    for photo in photos {
        assert_eq!(photo["kind"], "report");
        assert_eq!(photo["status"], "ready");
        assert!(photo.get("uploaded_by").is_none(), "{photo}");
        assert!(
            photo["urls"].get("original").is_none(),
            "no original for the citizen"
        );
        assert!(photo.get("original_url").is_none());
    }
    assert_eq!(
        (photos[0]["width"].as_u64(), photos[0]["height"].as_u64()),
        (Some(1200), Some(1600)),
        "upright"
    );
    assert_eq!(
        (photos[1]["width"].as_u64(), photos[1]["height"].as_u64()),
        (Some(800), Some(200))
    );
    assert_eq!(photos[2]["content_type"], "image/png");

    // Thumbnails and public copies, to anyone: JPEG, within their sizes.
    for n in 0..3 {
        for (variant, edge) in [("thumb_320", 320), ("thumb_1280", 1280)] {
            let response = app
                .get(urls(&report, n)[variant].as_str().unwrap(), None)
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(header(&response, CONTENT_TYPE), "image/jpeg");
            assert_eq!(
                header(&response, CACHE_CONTROL),
                "public, max-age=31536000, immutable"
            );
            assert_eq!(header(&response, X_CONTENT_TYPE_OPTIONS), "nosniff");
            let (width, height) = dimensions(&bytes(response).await);
            assert!(
                width.max(height) <= edge,
                "{variant} of photo {n}: {width}×{height}"
            );
        }
    }
    let small = app
        .get(urls(&report, 0)["thumb_320"].as_str().unwrap(), None)
        .await;
    assert_eq!(
        dimensions(&bytes(small).await),
        (240, 320),
        "the thumbnail is upright too"
    );

    // The public copy carries no EXIF at all: no GPS, no camera.
    let public = bytes(
        app.get(urls(&report, 0)["public"].as_str().unwrap(), None)
            .await,
    )
    .await;
    assert!(
        !segment_markers(&public).contains(&0xE1),
        "an APP1 segment: {:02X?}",
        segment_markers(&public)
    );
    assert!(exif_of(&public).is_none());
    assert!(!public.windows(CAMERA.len()).any(|w| w == CAMERA));
    assert_eq!(dimensions(&public), (1200, 1600));

    // The original, EXIF and all, for staff only.
    let original_path = format!(
        "/api/v1/reports/{}/photos/{}/original",
        report["id"].as_str().unwrap(),
        photos[0]["id"].as_str().unwrap()
    );
    let for_staff = app.get(&original_path, Some(&staff.access_token)).await;
    assert_eq!(for_staff.status(), StatusCode::OK);
    assert_eq!(header(&for_staff, CONTENT_TYPE), "image/jpeg");
    assert_eq!(header(&for_staff, CACHE_CONTROL), "private, max-age=3600");
    let original = bytes(for_staff).await;
    assert_eq!(original, phone, "the original is kept byte for byte");
    let exif = exif_of(&original).expect("the original keeps its EXIF");
    assert!(exif
        .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
        .is_some());
    assert!(exif
        .get_field(exif::Tag::Model, exif::In::PRIMARY)
        .is_some());
    let png_original = app
        .get(
            &original_path.replace(
                photos[0]["id"].as_str().unwrap(),
                photos[2]["id"].as_str().unwrap(),
            ),
            Some(&staff.access_token),
        )
        .await;
    assert_eq!(header(&png_original, CONTENT_TYPE), "image/png");
    assert_eq!(bytes(png_original).await, screenshot);

    let staff_view = app.get_json(&location, Some(&staff.access_token)).await;
    assert_eq!(urls(&staff_view, 0)["original"], original_path.as_str());
    assert_eq!(
        staff_view["photos"][0]["original_url"],
        original_path.as_str()
    );

    let for_reporter = app.get(&original_path, Some(&citizen.access_token)).await;
    expect_problem(for_reporter, StatusCode::FORBIDDEN, "forbidden").await;
    let for_anonymous = app.get(&original_path, None).await;
    expect_problem(for_anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Conditional requests: the ETag names the bytes; a match is a 304 without a body.
    let thumb = urls(&report, 1)["thumb_320"].as_str().unwrap().to_owned();
    let first = app.get(&thumb, None).await;
    let etag = header(&first, ETAG);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 60,
        "{etag}"
    );
    let revalidated = app
        .client
        .get(app.url(&thumb))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&revalidated, ETAG), etag);
    assert!(bytes(revalidated).await.is_empty());
    let other_variant = app
        .client
        .get(app.url(&thumb.replace("thumb-320", "thumb-1280")))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other_variant.status(),
        StatusCode::OK,
        "each variant has its own tag"
    );

    let unknown = app
        .get(&thumb.replace("thumb-320", "thumb-640"), None)
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
    let stranger = app
        .get(
            &thumb.replace(
                photos[1]["id"].as_str().unwrap(),
                "0192f0a4-0000-7000-8000-000000000000",
            ),
            None,
        )
        .await;
    expect_problem(stranger, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_private_reports_photos_are_hidden_from_other_citizens() {
    let app = TestApp::spawn().await;
    let owner = app.citizen("owner@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let form = Form::report("비공개")
        .text("visibility", "private")
        .photo("door.jpg", &jpeg(640, 480, 4));
    // The second visibility field replaces the first.
    let report = created(
        app.post_form("/api/v1/reports", Some(&owner.access_token), form)
            .await,
    )
    .await;
    assert_eq!(report["visibility"], "private");
    let thumb = urls(&report, 0)["thumb_320"].as_str().unwrap().to_owned();

    let hidden = app.get(&thumb, Some(&other.access_token)).await;
    expect_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    let hidden = app.get(&thumb, None).await;
    expect_problem(hidden, StatusCode::NOT_FOUND, "not_found").await;
    let own = app.get(&thumb, Some(&owner.access_token)).await;
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(
        header(&own, CACHE_CONTROL),
        "private, max-age=3600",
        "never in a shared cache"
    );
}

#[tokio::test]
async fn a_text_file_named_jpg_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let form = Form::report("가짜 사진")
        .photo("real.jpg", &jpeg(640, 480, 5))
        .photo(
            "photo.jpg",
            b"this is not a photo, only text in a file named .jpg\n",
        )
        .photo("later.jpg", &jpeg(320, 240, 6));
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), form)
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("photos[1]") && detail.contains("photo.jpg"),
        "{detail}"
    );
    assert!(detail.contains("JPEG, PNG or WebP"), "{detail}");

    assert!(
        my_reports(&app, &citizen.access_token).await.is_empty(),
        "no report"
    );
    assert_eq!(
        app.media_files(),
        Vec::<std::path::PathBuf>::new(),
        "no blob"
    );
}

#[tokio::test]
async fn a_png_declaring_fifty_thousand_pixels_squared_is_refused_from_its_header() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    // Decoding it would take 7.5 GB; the header alone decides.
    let bomb = png_declaring(50_000, 50_000);
    let form = Form::report("거대한 사진").file("photos", "bomb.png", "image/png", &bomb);
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), form)
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "image_too_large",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("50000×50000"),
        "{problem}"
    );
    assert!(my_reports(&app, &citizen.access_token).await.is_empty());
    assert!(app.media_files().is_empty());
}

#[tokio::test]
async fn uploads_over_the_byte_limits_are_413() {
    let smalls = [jpeg(320, 240, 7), jpeg(320, 240, 9), jpeg(320, 240, 10)];
    let medium = jpeg(400, 300, 8);
    let small_total: usize = smalls.iter().map(Vec::len).sum();
    // One medium photo is over the photo limit but within the request limit;
    // three small ones are each within the photo limit but over the request limit.
    let (photo_limit, upload_limit) = (medium.len() - 1, (medium.len() + small_total) / 2);
    assert!(
        upload_limit > medium.len() + 4096 && small_total > upload_limit,
        "samples of unexpected sizes: {} and {small_total}",
        medium.len()
    );
    let app = TestApp::spawn_with(|config| {
        config.photo_max_bytes = photo_limit;
        config.upload_max_bytes = upload_limit;
    })
    .await;
    let citizen = app.citizen("minji@example.kr").await;

    let one_too_big = Form::report("큰 사진").photo("big.jpg", &medium);
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), one_too_big)
        .await;
    expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large").await;

    let three = Form::report("작은 사진 세 장")
        .photo("1.jpg", &smalls[0])
        .photo("2.jpg", &smalls[1])
        .photo("3.jpg", &smalls[2]);
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), three)
        .await;
    expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "upload_too_large").await;

    let six = (0..6).fold(Form::report("여섯 장"), |form, n| {
        form.photo(&format!("{n}.jpg"), &jpeg(16, 16, 20 + n))
    });
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), six)
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "too_many_photos");

    assert!(my_reports(&app, &citizen.access_token).await.is_empty());
    assert!(app.media_files().is_empty());
    // One photo within the limits still goes through.
    let fine = Form::report("괜찮은 사진").photo("ok.jpg", &smalls[0]);
    created(
        app.post_form("/api/v1/reports", Some(&citizen.access_token), fine)
            .await,
    )
    .await;
}

#[tokio::test]
async fn without_a_location_the_photos_gps_places_the_report_inside_jeonbuk_only() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let form = Form::new()
        .text("title", "사진 위치로 신고")
        .text("description", "가로등이 꺼져 있어요")
        .photo(
            "night.jpg",
            &with_exif(&jpeg(640, 480, 11), None, Some(DEOKJIN)),
        );
    let report = created(
        app.post_form("/api/v1/reports", Some(&citizen.access_token), form)
            .await,
    )
    .await;
    let lat = report["location"]["lat"].as_f64().unwrap();
    let lng = report["location"]["lng"].as_f64().unwrap();
    assert!(
        (lat - DEOKJIN.0).abs() < 1e-6 && (lng - DEOKJIN.1).abs() < 1e-6,
        "{lat},{lng}"
    );
    assert_eq!(report["jurisdiction"]["name"], "전주시덕진구");

    let seoul = Form::new()
        .text("title", "서울 사진")
        .text("description", "가로등이 꺼져 있어요")
        .photo(
            "seoul.jpg",
            &with_exif(&jpeg(640, 480, 12), None, Some(SEOUL)),
        );
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), seoul)
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_service_area",
    )
    .await;

    let nowhere = Form::new()
        .text("title", "위치 없음")
        .text("description", "가로등이 꺼져 있어요")
        .photo("plain.jpg", &jpeg(640, 480, 13));
    let response = app
        .post_form("/api/v1/reports", Some(&citizen.access_token), nowhere)
        .await;
    let problem = expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "location");

    assert_eq!(my_reports(&app, &citizen.access_token).await.len(), 1);
    assert_eq!(
        app.media_files().len(),
        4,
        "only the Deokjin report's photo"
    );
}

#[tokio::test]
async fn the_reporter_adds_photos_until_an_official_takes_the_report_up() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let other = app.citizen("other@example.kr").await;
    let manager = app
        .official("manager@jeonbuk.go.kr", "manager", "road_management")
        .await;
    let staff = app
        .official("officer@jeonbuk.go.kr", "staff", "road_management")
        .await;
    let parks = app.official("parks@jeonbuk.go.kr", "staff", "parks").await;
    let report = app
        .submit(
            &citizen.access_token,
            "포트홀",
            "집 앞 도로에 큰 포트홀",
            "public",
        )
        .await;
    let id = report["id"].as_str().unwrap();
    let path = format!("/api/v1/reports/{id}/photos");

    let added = created(
        app.post_form(
            &path,
            Some(&citizen.access_token),
            Form::new().photo("more.jpg", &jpeg(640, 480, 14)),
        )
        .await,
    )
    .await;
    assert_eq!(added["photos"].as_array().unwrap().len(), 1);
    assert_eq!(added["photos"][0]["kind"], "report");

    let stranger = app
        .post_form(
            &path,
            Some(&other.access_token),
            Form::new().photo("x.jpg", &jpeg(64, 64, 15)),
        )
        .await;
    expect_problem(stranger, StatusCode::FORBIDDEN, "forbidden").await;
    let anonymous = app
        .post_form(&path, None, Form::new().photo("x.jpg", &jpeg(64, 64, 15)))
        .await;
    expect_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let not_photos = app
        .post_form(
            &path,
            Some(&citizen.access_token),
            Form::new().text("title", "x"),
        )
        .await;
    expect_problem(
        not_photos,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    let assigned = app
        .post(
            &format!("/api/v1/reports/{id}/assignment"),
            Some(&manager.access_token),
            json!({"department": "road_management"}),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    // 403, not 409: the policy refuses the reporter (officials may still add photos to it).
    let too_late = app
        .post_form(
            &path,
            Some(&citizen.access_token),
            Form::new().photo("late.jpg", &jpeg(640, 480, 16)),
        )
        .await;
    let problem = expect_problem(too_late, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("taken this report up"),
        "{problem}"
    );
    let elsewhere = app
        .post_form(
            &path,
            Some(&parks.access_token),
            Form::new().photo("p.jpg", &jpeg(64, 64, 17)),
        )
        .await;
    expect_problem(elsewhere, StatusCode::FORBIDDEN, "forbidden").await;

    let fixed = created(
        app.post_form(
            &path,
            Some(&staff.access_token),
            Form::new().photo("fixed.jpg", &jpeg(640, 480, 18)),
        )
        .await,
    )
    .await;
    let kinds: Vec<&str> = fixed["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["report", "resolution"]);

    // The citizen sees the resolution photo (처리 사진) and the timeline says who added what.
    let seen = app
        .get_json(
            &format!("/api/v1/reports/{id}"),
            Some(&citizen.access_token),
        )
        .await;
    let resolution = app
        .get(
            urls(&seen, 1)["public"].as_str().unwrap(),
            Some(&citizen.access_token),
        )
        .await;
    assert_eq!(resolution.status(), StatusCode::OK);
    let timeline = app.timeline(id, &citizen.access_token).await;
    let added: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "photos_added")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["report", "resolution"]);
    assert_eq!(app.media_files().len(), 8);
}

#[tokio::test]
async fn the_same_photo_twice_is_stored_once() {
    let app = TestApp::spawn().await;
    let citizen = app.citizen("minji@example.kr").await;
    let photo = jpeg(640, 480, 19);
    let form = Form::report("같은 사진 두 번")
        .photo("a.jpg", &photo)
        .photo("b.jpg", &photo);
    let report = created(
        app.post_form("/api/v1/reports", Some(&citizen.access_token), form)
            .await,
    )
    .await;
    assert_eq!(report["photos"].as_array().unwrap().len(), 1);

    let again = app
        .post_form(
            &format!("/api/v1/reports/{}/photos", report["id"].as_str().unwrap()),
            Some(&citizen.access_token),
            Form::new().photo("c.jpg", &photo),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK, "nothing new: 200, not 201");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["photos"].as_array().unwrap().len(), 1);
    assert_eq!(again["version"], report["version"]);
    assert_eq!(app.media_files().len(), 4, "four forms of one photo");
}
