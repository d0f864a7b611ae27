//! Locations: WGS84 points, boxes, circles, and the service area that decides
//! whether a point is ours and which city or county it belongs to.

use serde::{Deserialize, Serialize};

use crate::domain::validation::FieldError;

/// Metres per degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;

/// A WGS84 point; latitude and longitude are finite and within their ranges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

impl GeoPoint {
    /// Parses a latitude/longitude pair.
    pub fn new(lat: f64, lng: f64) -> Result<Self, FieldError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::new(
                "location.lat",
                "out_of_range",
                "latitude must be between -90 and 90",
            ));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(FieldError::new(
                "location.lng",
                "out_of_range",
                "longitude must be between -180 and 180",
            ));
        }
        Ok(Self { lat, lng })
    }

    /// Latitude in degrees.
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lng(self) -> f64 {
        self.lng
    }

    /// The distance to `other` in metres, by the same equirectangular
    /// approximation as [`Circle::contains`] (longitudes scaled by the
    /// cosine of this point's latitude), so a point a circle holds is at
    /// most its radius away from the centre.
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let dlat = other.lat - self.lat;
        let dlng = (other.lng - self.lng) * self.lat.to_radians().cos();
        (dlat * dlat + dlng * dlng).sqrt() * METRES_PER_DEGREE
    }
}

/// An axis-aligned box in degrees; `min` is the south-west corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    /// Southern edge.
    pub min_lat: f64,
    /// Western edge.
    pub min_lng: f64,
    /// Northern edge.
    pub max_lat: f64,
    /// Eastern edge.
    pub max_lng: f64,
}

impl BoundingBox {
    /// Parses the `bbox=minLng,minLat,maxLng,maxLat` query form.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "bbox",
                "invalid_bbox",
                "bbox must be minLng,minLat,maxLng,maxLat in degrees",
            )
        };
        let parts: Vec<f64> = raw
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| invalid())?;
        let [min_lng, min_lat, max_lng, max_lat] = parts[..] else {
            return Err(invalid());
        };
        let south_west = GeoPoint::new(min_lat, min_lng).map_err(|_| invalid())?;
        let north_east = GeoPoint::new(max_lat, max_lng).map_err(|_| invalid())?;
        if south_west.lat > north_east.lat || south_west.lng > north_east.lng {
            return Err(FieldError::new(
                "bbox",
                "invalid_bbox",
                "bbox minimum must not exceed its maximum",
            ));
        }
        Ok(Self {
            min_lat,
            min_lng,
            max_lat,
            max_lng,
        })
    }

    /// Whether the point lies inside or on the edge.
    pub fn contains(&self, point: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&point.lat)
            && (self.min_lng..=self.max_lng).contains(&point.lng)
    }
}

/// A circle on the ground: a centre and a radius in metres.
///
/// Distances use the equirectangular approximation, which every store can
/// compute with plain arithmetic and which is within 0.1 % of the great-circle
/// distance for the radii a city uses (below 50 km).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Circle {
    /// The centre.
    pub centre: GeoPoint,
    /// The radius in metres, at most [`Circle::MAX_RADIUS_M`].
    pub radius_m: f64,
}

impl Circle {
    /// The largest accepted radius.
    pub const MAX_RADIUS_M: f64 = 50_000.0;

    /// Parses `near=lat,lng` and `radius_m`.
    pub fn parse(near: &str, radius_m: Option<f64>) -> Result<Self, FieldError> {
        let invalid =
            || FieldError::new("near", "invalid_point", "near must be lat,lng in degrees");
        let parts: Vec<f64> = near
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| invalid())?;
        let [lat, lng] = parts[..] else {
            return Err(invalid());
        };
        let centre = GeoPoint::new(lat, lng).map_err(|_| invalid())?;
        let radius_m = radius_m.unwrap_or(1_000.0);
        if !radius_m.is_finite() || radius_m <= 0.0 || radius_m > Self::MAX_RADIUS_M {
            return Err(FieldError::new(
                "radius_m",
                "out_of_range",
                format!(
                    "radius_m must be greater than 0 and at most {}",
                    Self::MAX_RADIUS_M
                ),
            ));
        }
        Ok(Self { centre, radius_m })
    }

    /// The cosine of the centre's latitude, the longitude scale of the approximation.
    pub fn longitude_scale(&self) -> f64 {
        self.centre.lat.to_radians().cos()
    }

    /// The smallest box that holds the circle, for an indexed pre-filter.
    pub fn bounding_box(&self) -> BoundingBox {
        let dlat = self.radius_m / METRES_PER_DEGREE;
        let dlng = self.radius_m / (METRES_PER_DEGREE * self.longitude_scale().max(1e-6));
        BoundingBox {
            min_lat: (self.centre.lat - dlat).max(-90.0),
            min_lng: (self.centre.lng - dlng).max(-180.0),
            max_lat: (self.centre.lat + dlat).min(90.0),
            max_lng: (self.centre.lng + dlng).min(180.0),
        }
    }

    /// The squared distance in degrees² (latitude-scaled) below which a point is inside.
    ///
    /// A store checks `(lat-lat0)² + ((lng-lng0)·scale)² <= threshold`.
    pub fn squared_degree_threshold(&self) -> f64 {
        let r = self.radius_m / METRES_PER_DEGREE;
        r * r
    }

    /// Whether the point lies inside the circle.
    pub fn contains(&self, point: GeoPoint) -> bool {
        let dlat = point.lat - self.centre.lat;
        let dlng = (point.lng - self.centre.lng) * self.longitude_scale();
        dlat * dlat + dlng * dlng <= self.squared_degree_threshold()
    }
}

/// The city or county (시·군·구) a point falls in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// The KOSTAT municipality code (e.g. `35011`).
    pub code: String,
    /// The Korean name (e.g. `전주시완산구`).
    pub name: String,
}

impl Jurisdiction {
    /// The city or county (시·군) it belongs to: a district (구) of a city
    /// belongs to the city (`35011` 전주시완산구 → `35010` 전주시).
    pub fn city_or_county(&self) -> MunicipalityCode {
        let mut code = self.code.clone();
        if code.len() == 5 && code.is_ascii() {
            code.replace_range(4..5, "0");
        }
        MunicipalityCode(code)
    }
}

/// The KOSTAT code of a city or county (시·군), such as `35020` for 군산시:
/// five digits, the last a zero (districts, 구, end in another digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MunicipalityCode(String);

impl MunicipalityCode {
    /// Parses a city or county code (whether it is in the service area is
    /// for [`ServiceArea::has_municipality`] to say).
    pub fn new(raw: &str) -> Result<Self, FieldError> {
        if raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) && raw.ends_with('0') {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                "jurisdiction",
                "invalid_jurisdiction",
                "jurisdiction must be a city or county code of five digits ending in 0, such as 35020 (군산시)",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One ring of a polygon as (lng, lat) pairs.
type Ring = Vec<(f64, f64)>;

#[derive(Debug, Clone)]
struct Region {
    jurisdiction: Jurisdiction,
    bounds: BoundingBox,
    /// Each polygon is an outer ring followed by its holes.
    polygons: Vec<Vec<Ring>>,
}

/// The area the platform serves: a quick bounding box and the exact
/// boundaries of each jurisdiction inside it.
#[derive(Debug, Clone)]
pub struct ServiceArea {
    bounds: BoundingBox,
    regions: Vec<Region>,
}

/// Why a service area definition could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ServiceAreaError {
    /// The text is not GeoJSON of the expected shape.
    #[error("service area is not a GeoJSON FeatureCollection of (Multi)Polygons: {0}")]
    Malformed(String),
    /// It holds no polygon.
    #[error("service area has no polygons")]
    Empty,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: FeatureProperties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct FeatureProperties {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<[f64; 2]>>),
    MultiPolygon(Vec<Vec<Vec<[f64; 2]>>>),
}

/// The boundaries of Jeonbuk's 14 cities and counties (Statistics Korea SGIS, KOGL Type 1).
const JEONBUK_GEOJSON: &str = include_str!("../../data/jeonbuk-municipalities.geojson");

impl ServiceArea {
    /// Jeonbuk State, the default service area.
    pub fn jeonbuk() -> Self {
        // The embedded file is checked by a unit test, so this cannot fail at run time.
        #[expect(
            clippy::expect_used,
            reason = "the embedded boundary file is verified by tests"
        )]
        Self::from_geojson(JEONBUK_GEOJSON).expect("embedded Jeonbuk boundaries are valid GeoJSON")
    }

    /// Reads a GeoJSON FeatureCollection whose features carry `code` and `name` properties.
    pub fn from_geojson(text: &str) -> Result<Self, ServiceAreaError> {
        let collection: FeatureCollection =
            serde_json::from_str(text).map_err(|e| ServiceAreaError::Malformed(e.to_string()))?;
        let regions: Vec<Region> = collection
            .features
            .into_iter()
            .map(|feature| {
                let polygons: Vec<Vec<Ring>> = match feature.geometry {
                    Geometry::Polygon(rings) => vec![to_rings(rings)],
                    Geometry::MultiPolygon(polygons) => {
                        polygons.into_iter().map(to_rings).collect()
                    }
                };
                let bounds = bounds_of(polygons.iter().flatten().flatten());
                Region {
                    jurisdiction: Jurisdiction {
                        code: feature.properties.code,
                        name: feature.properties.name,
                    },
                    bounds,
                    polygons,
                }
            })
            .filter(|region| !region.polygons.is_empty())
            .collect();
        if regions.is_empty() {
            return Err(ServiceAreaError::Empty);
        }
        let bounds = bounds_of(
            regions
                .iter()
                .flat_map(|r| r.polygons.iter().flatten().flatten()),
        );
        Ok(Self { bounds, regions })
    }

    /// The quick-check box around every jurisdiction.
    pub fn bounds(&self) -> BoundingBox {
        self.bounds
    }

    /// The jurisdiction containing the point, or `None` when it is outside the service area.
    pub fn locate(&self, point: GeoPoint) -> Option<&Jurisdiction> {
        if !self.bounds.contains(point) {
            return None;
        }
        self.regions
            .iter()
            .filter(|region| region.bounds.contains(point))
            .find(|region| {
                region
                    .polygons
                    .iter()
                    .any(|polygon| polygon_contains(polygon, point))
            })
            .map(|region| &region.jurisdiction)
    }

    /// Whether a city or county of the area has this code.
    pub fn has_municipality(&self, code: &MunicipalityCode) -> bool {
        self.regions
            .iter()
            .any(|region| &region.jurisdiction.city_or_county() == code)
    }

    /// Every jurisdiction, in file order.
    pub fn jurisdictions(&self) -> impl Iterator<Item = &Jurisdiction> {
        self.regions.iter().map(|r| &r.jurisdiction)
    }

    /// The cities and counties (시·군) of the area, in file order, each
    /// once: a city split into districts (구) is named by what precedes the
    /// districts' `구` (`전주시완산구` → `35010` `전주시`).
    pub fn municipalities(&self) -> Vec<Jurisdiction> {
        let mut out: Vec<Jurisdiction> = Vec::new();
        for jurisdiction in self.jurisdictions() {
            let code = jurisdiction.city_or_county();
            if out.iter().any(|m| m.code == code.as_str()) {
                continue;
            }
            let name = if code.as_str() == jurisdiction.code {
                jurisdiction.name.clone()
            } else {
                jurisdiction
                    .name
                    .find('시')
                    .map_or(jurisdiction.name.as_str(), |at| {
                        &jurisdiction.name[..at + '시'.len_utf8()]
                    })
                    .to_owned()
            };
            out.push(Jurisdiction {
                code: code.as_str().to_owned(),
                name,
            });
        }
        out
    }
}

fn to_rings(rings: Vec<Vec<[f64; 2]>>) -> Vec<Ring> {
    rings
        .into_iter()
        .map(|ring| ring.into_iter().map(|[lng, lat]| (lng, lat)).collect())
        .collect()
}

fn bounds_of<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> BoundingBox {
    points.fold(
        BoundingBox {
            min_lat: f64::INFINITY,
            min_lng: f64::INFINITY,
            max_lat: f64::NEG_INFINITY,
            max_lng: f64::NEG_INFINITY,
        },
        |b, &(lng, lat)| BoundingBox {
            min_lat: b.min_lat.min(lat),
            min_lng: b.min_lng.min(lng),
            max_lat: b.max_lat.max(lat),
            max_lng: b.max_lng.max(lng),
        },
    )
}

/// Inside the outer ring and in none of the holes.
fn polygon_contains(rings: &[Ring], point: GeoPoint) -> bool {
    match rings.split_first() {
        Some((outer, holes)) => {
            ring_contains(outer, point) && !holes.iter().any(|hole| ring_contains(hole, point))
        }
        None => false,
    }
}

/// Even-odd ray casting.
fn ring_contains(ring: &[(f64, f64)], point: GeoPoint) -> bool {
    let (x, y) = (point.lng, point.lat);
    let mut inside = false;
    let mut previous = match ring.last() {
        Some(&p) => p,
        None => return false,
    };
    for &(xi, yi) in ring {
        let (xj, yj) = previous;
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        previous = (xi, yi);
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::new(lat, lng).unwrap()
    }

    #[test]
    fn the_sanity_points_of_the_boundary_data_land_where_its_readme_says() {
        let area = ServiceArea::jeonbuk();
        let name = |lat, lng| area.locate(point(lat, lng)).map(|j| j.name.clone());
        assert_eq!(name(35.8242, 127.1480).as_deref(), Some("전주시완산구"));
        assert_eq!(name(35.9676, 126.7366).as_deref(), Some("군산시"));
        assert_eq!(name(35.4164, 127.3905).as_deref(), Some("남원시"));
        assert_eq!(name(37.5665, 126.9780), None, "Seoul is not in Jeonbuk");
    }

    #[test]
    fn jeonbuk_has_fifteen_regions_inside_the_documented_box() {
        let area = ServiceArea::jeonbuk();
        assert_eq!(area.jurisdictions().count(), 15);
        let b = area.bounds();
        assert!(b.min_lat > 35.29 && b.max_lat < 36.16, "{b:?}");
        assert!(b.min_lng > 125.96 && b.max_lng < 127.92, "{b:?}");
    }

    #[test]
    fn jeonbuk_has_fourteen_cities_and_counties_with_jeonju_whole() {
        let municipalities = ServiceArea::jeonbuk().municipalities();
        assert_eq!(municipalities.len(), 14);
        assert_eq!(municipalities[0].code, "35010");
        assert_eq!(municipalities[0].name, "전주시");
        assert!(municipalities
            .iter()
            .any(|m| m.code == "35020" && m.name == "군산시"));
        assert!(municipalities
            .iter()
            .all(|m| MunicipalityCode::new(&m.code).is_ok()));
    }

    #[test]
    fn a_point_in_the_box_but_at_sea_is_outside() {
        // The Yellow Sea west of Buan: inside the bounding box, in no polygon.
        let area = ServiceArea::jeonbuk();
        let sea = point(35.6, 126.2);
        assert!(area.bounds().contains(sea));
        assert_eq!(area.locate(sea), None);
    }

    #[test]
    fn coordinates_out_of_range_are_refused() {
        assert_eq!(GeoPoint::new(91.0, 0.0).unwrap_err().field, "location.lat");
        assert_eq!(
            GeoPoint::new(0.0, f64::NAN).unwrap_err().field,
            "location.lng"
        );
    }

    #[test]
    fn bbox_parses_in_lng_lat_order_and_rejects_inverted_boxes() {
        let b = BoundingBox::parse("127.0,35.7,127.2,35.9").unwrap();
        assert!(b.contains(point(35.8242, 127.1480)));
        assert!(BoundingBox::parse("127.2,35.7,127.0,35.9").is_err());
        assert!(BoundingBox::parse("1,2,3").is_err());
        assert!(BoundingBox::parse("a,b,c,d").is_err());
    }

    #[test]
    fn circle_contains_points_by_distance() {
        let circle = Circle::parse("35.8242,127.1480", Some(500.0)).unwrap();
        // ~330 m north.
        assert!(circle.contains(point(35.8272, 127.1480)));
        // ~1.1 km north.
        assert!(!circle.contains(point(35.8342, 127.1480)));
        // ~450 m east at this latitude (1° lng ≈ 90.3 km here).
        assert!(circle.contains(point(35.8242, 127.1530)));
        assert!(circle.bounding_box().contains(point(35.8242, 127.1530)));
        assert!(Circle::parse("35.8,127.1", Some(0.0)).is_err());
        assert!(Circle::parse("35.8,127.1", Some(1e9)).is_err());
    }
}
