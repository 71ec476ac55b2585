//! CloudWatch embedded metric format: one raw JSON line on stdout per record, outside the log
//! formatter (CloudWatch extracts metrics from lines that are EMF documents themselves).
//!
//! Written by hand rather than with `metrics_cloudwatch_embedded`: one document of a fixed
//! shape per record is a few lines of `serde_json`, and the crate would bring `lambda_http`
//! and a metrics registry into the function for it.

use serde_json::{Value, json};

use crate::record::RecordMetrics;
use crate::response::RecordResult;

/// The `Route` dimension of a route-less RESULT (`test-event`, `ignored-event`,
/// `own-output`, `no-route`): not a route id, which cannot hold parentheses.
pub const NO_ROUTE_DIMENSION: &str = "(none)";

/// The EMF document for one RESULT: counts by status and reason (dimensions `Status` and
/// `Reason`, `none` for null), bytes and pixels in and out, read/transform/write durations.
/// With `by_route` (a deployment with `ROUTES`), every dimension set starts with `Route`.
pub fn emf(
    namespace: &str,
    result: &RecordResult,
    m: &RecordMetrics,
    timestamp_ms: u64,
    by_route: bool,
) -> Value {
    let ms = |d: std::time::Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    let mut doc = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Status"], ["Status", "Reason"]],
                "Metrics": [
                    {"Name": "Records", "Unit": "Count"},
                    {"Name": "BytesIn", "Unit": "Bytes"},
                    {"Name": "PixelsIn", "Unit": "Count"},
                    {"Name": "BytesOut", "Unit": "Bytes"},
                    {"Name": "PixelsOut", "Unit": "Count"},
                    {"Name": "ReadTime", "Unit": "Milliseconds"},
                    {"Name": "TransformTime", "Unit": "Milliseconds"},
                    {"Name": "WriteTime", "Unit": "Milliseconds"}
                ]
            }]
        },
        "Status": result.disposition.status(),
        "Reason": result.disposition.reason().unwrap_or("none"),
        "Records": 1,
        "BytesIn": m.bytes_in,
        "PixelsIn": m.pixels_in,
        "BytesOut": m.bytes_out,
        "PixelsOut": m.pixels_out,
        "ReadTime": ms(m.read),
        "TransformTime": ms(m.transform),
        "WriteTime": ms(m.write),
    });
    if by_route {
        doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] =
            json!([["Route", "Status"], ["Route", "Status", "Reason"]]);
        doc["Route"] = result.route.id().unwrap_or(NO_ROUTE_DIMENSION).into();
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{Disposition, Skip};

    #[test]
    fn an_emf_document_declares_what_it_carries() {
        let result = RecordResult::new(
            Some("b".into()),
            Some("k".into()),
            None,
            Disposition::Skipped(Skip::Gone),
        );
        let m = RecordMetrics {
            bytes_in: 10,
            read: std::time::Duration::from_micros(1500),
            ..Default::default()
        };
        let doc = emf("NS", &result, &m, 1_700_000_000_000, false);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "NS");
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000u64);
        for metric in directive["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("name");
            assert!(doc[name].is_number(), "{name} is declared and present");
        }
        for dims in directive["Dimensions"].as_array().expect("dimensions") {
            for dim in dims.as_array().expect("a dimension set") {
                assert!(doc[dim.as_str().expect("name")].is_string());
            }
        }
        assert_eq!(
            (doc["Status"].as_str(), doc["Reason"].as_str()),
            (Some("skipped"), Some("gone"))
        );
        assert_eq!(doc["ReadTime"], 1.5);
        assert_eq!(doc["BytesIn"], 10);
        assert!(
            doc.get("Route").is_none(),
            "without ROUTES: no Route dimension"
        );
    }

    #[test]
    fn with_routes_every_dimension_set_starts_with_the_route() {
        let mut result = RecordResult::new(None, Some("k".into()), None, Disposition::Written);
        result.route = crate::response::ResultRoute::Route("cdn".into());
        let doc = emf("NS", &result, &RecordMetrics::default(), 0, true);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Route", "Status"], ["Route", "Status", "Reason"]])
        );
        assert_eq!(doc["Route"], "cdn");
        result.route = crate::response::ResultRoute::RouteLess;
        result.disposition = Disposition::Skipped(Skip::NoRoute);
        let doc = emf("NS", &result, &RecordMetrics::default(), 0, true);
        assert_eq!(doc["Route"], NO_ROUTE_DIMENSION);
        assert!(
            contract::settings::RouteId::parse(NO_ROUTE_DIMENSION).is_err(),
            "no route can be called that"
        );
    }
}
