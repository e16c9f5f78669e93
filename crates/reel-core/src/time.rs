//! Times in timelines: seconds as JSON numbers, or `"HH:MM:SS.mmm"` / `"MM:SS.mmm"` strings.

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A time in seconds, written in a timeline as a number or a clock string.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Time(pub f64);

impl Time {
    pub fn seconds(self) -> f64 {
        self.0
    }
}

/// Why a time string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {text:?}: {reason}; write seconds (12.5) or \"HH:MM:SS.mmm\" / \"MM:SS.mmm\"")]
pub struct TimeError {
    pub text: String,
    pub reason: &'static str,
}

/// Parses `"HH:MM:SS.mmm"`, `"MM:SS.mmm"` or a plain number of seconds in a string.
pub fn parse_clock(text: &str) -> Result<f64, TimeError> {
    let fail = |reason| TimeError { text: text.to_owned(), reason };
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() > 3 {
        return Err(fail("too many ':' separated parts"));
    }
    let (fields, seconds) = parts.split_at(parts.len() - 1);
    let seconds = seconds[0];
    let is_decimal = !seconds.is_empty()
        && seconds.chars().all(|c| c.is_ascii_digit() || c == '.')
        && seconds.matches('.').count() <= 1
        && !seconds.starts_with('.')
        && !seconds.ends_with('.');
    if !is_decimal {
        return Err(fail("the seconds are not a number"));
    }
    let seconds: f64 = seconds.parse().map_err(|_| fail("the seconds are not a number"))?;
    if !seconds.is_finite() {
        return Err(fail("it is too large"));
    }
    if fields.is_empty() {
        return Ok(seconds);
    }
    if seconds >= 60.0 {
        return Err(fail("seconds must be below 60 after a ':'"));
    }
    let mut whole: u64 = 0;
    for (i, field) in fields.iter().enumerate() {
        if field.is_empty() || field.len() > 9 || !field.chars().all(|c| c.is_ascii_digit()) {
            return Err(fail("hours and minutes must be whole numbers"));
        }
        let value: u64 = field.parse().map_err(|_| fail("hours and minutes must be whole numbers"))?;
        let is_minutes_after_hours = fields.len() == 2 && i == 1;
        if is_minutes_after_hours && value >= 60 {
            return Err(fail("minutes must be below 60"));
        }
        whole = whole * 60 + value;
    }
    Ok(whole as f64 * 60.0 + seconds)
}

/// Formats seconds as `HH:MM:SS.mmm` for messages.
pub fn format_clock(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl Visitor<'_> for TimeVisitor {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("seconds as a number or a \"HH:MM:SS.mmm\" string")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Time, E> {
                if v.is_finite() {
                    Ok(Time(v))
                } else {
                    Err(E::custom("time is not a finite number"))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Time, E> {
                Ok(Time(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Time, E> {
                Ok(Time(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Time, E> {
                parse_clock(v).map(Time).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(TimeVisitor)
    }
}

impl JsonSchema for Time {
    fn schema_name() -> String {
        "Time".to_owned()
    }
    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        serde_json::from_value(serde_json::json!({
            "description": "Seconds as a number, or a string \"HH:MM:SS.mmm\" / \"MM:SS.mmm\".",
            "anyOf": [
                { "type": "number" },
                { "type": "string", "pattern": "^([0-9]+:)?[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?$|^[0-9]+(\\.[0-9]+)?$" }
            ]
        }))
        .expect("static schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_strings() {
        assert_eq!(parse_clock("00:00:10.000"), Ok(10.0));
        assert_eq!(parse_clock("01:02.5"), Ok(62.5));
        assert_eq!(parse_clock("1:00:00"), Ok(3600.0));
        assert_eq!(parse_clock("12.25"), Ok(12.25));
        assert!(parse_clock("1:2:3:4").is_err());
        assert!(parse_clock("00:61:00").is_err());
        assert!(parse_clock("abc").is_err());
        assert!(parse_clock("-1").is_err());
        assert!(parse_clock("1:-5").is_err());
        assert!(parse_clock("").is_err());
        assert_eq!(format_clock(3723.5), "01:02:03.500");
    }
}
