//! Schemas the derive cannot see: the closed word lists of the core (a
//! status, a role, …) that the DTOs carry as `&'static str`, and the
//! `multipart/form-data` bodies of photo uploads, read part by part.

use sinmungo_core::app::MAX_PHOTOS_PER_REQUEST;
use sinmungo_core::domain::mail::EmailPreference;
use sinmungo_core::domain::{NotificationKind, Priority, ReportStatus, Role};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Array, Object, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::upload::{PHOTO_PARTS, TEXT_FIELDS};

/// A string that is one of `words`.
fn one_of(words: impl IntoIterator<Item = &'static str>) -> Object {
    let words: Vec<&str> = words.into_iter().collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .examples(words.first().copied())
        .enum_values(Some(words))
        .build()
}

/// A report's status.
pub(crate) fn report_status() -> Object {
    one_of(ReportStatus::ALL.map(ReportStatus::as_str))
}

/// A priority.
pub(crate) fn priority() -> Object {
    one_of(Priority::ALL.map(Priority::as_str))
}

/// A role.
pub(crate) fn role() -> Object {
    one_of(Role::ALL.map(Role::as_str))
}

/// Roles.
pub(crate) fn roles() -> Array {
    ArrayBuilder::new().items(role()).build()
}

/// A notification's kind.
pub(crate) fn notification_kind() -> Object {
    one_of(NotificationKind::ALL.map(NotificationKind::as_str))
}

/// An e-mail setting for notifications.
pub(crate) fn email_setting() -> Object {
    one_of(EmailPreference::ALL.map(EmailPreference::as_str))
}

/// Bytes of a file (a photo, sent or served).
#[derive(Debug)]
pub(crate) struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// `POST /reports` as `multipart/form-data`: the report's fields as text
/// parts (or one `report` part holding the JSON body), and photos.
#[derive(Debug)]
pub(crate) struct ReportForm;

impl PartialSchema for ReportForm {
    fn schema() -> RefOr<Schema> {
        report_form().into()
    }
}

impl ToSchema for ReportForm {}

/// `POST /reports/{id}/photos`: photos only.
#[derive(Debug)]
pub(crate) struct PhotosForm;

impl PartialSchema for PhotosForm {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(PHOTO_PARTS[0], photos())
            .required(PHOTO_PARTS[0])
            .into()
    }
}

impl ToSchema for PhotosForm {}

/// The photos of an upload: binary parts named `photos`.
fn photos() -> Array {
    let photo = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
        .description(Some("JPEG, PNG 또는 WebP (HEIC 불가)"))
        .build();
    ArrayBuilder::new()
        .items(photo)
        .max_items(Some(MAX_PHOTOS_PER_REQUEST))
        .description(Some(format!(
            "사진 (`{}` 부분, 한 번에 최대 {MAX_PHOTOS_PER_REQUEST}장)",
            PHOTO_PARTS[0]
        )))
        .build()
}

/// The parts of a [`ReportForm`].
fn report_form() -> Object {
    let text = |field: &str| {
        let (description, example) = match field {
            "title" => ("제목", "효자동 도로에 큰 포트홀"),
            "description" => ("내용", "집 앞 도로에 큰 포트홀이 생겼어요"),
            "lat" => ("위도 (없으면 첫 사진의 EXIF GPS)", "35.8242"),
            "lng" => ("경도 (없으면 첫 사진의 EXIF GPS)", "127.148"),
            "address" => ("주소", "전북특별자치도 전주시 완산구 효자동1가"),
            "category" => ("분야 코드 (없으면 자동 분류)", "road_damage"),
            "visibility" => ("`public` 또는 `private`", "public"),
            _ => ("", ""),
        };
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .examples([example])
            .build()
    };
    let form = TEXT_FIELDS
        .iter()
        .fold(ObjectBuilder::new(), |form, field| {
            form.property(*field, text(field))
        })
        .property(
            "report",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .content_media_type("application/json")
                .description(Some("위 항목 대신 JSON 본문 전체를 한 부분으로")),
        )
        .property(PHOTO_PARTS[0], photos());
    form.build()
}
