//! Exact frame rates and time bases (`30000/1001`), as ffmpeg writes them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A positive rational number such as a frame rate or a time base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Rational {
    pub num: u32,
    pub den: u32,
}

impl Rational {
    /// Builds a reduced rational; `None` when either part is zero.
    pub fn new(num: u32, den: u32) -> Option<Self> {
        if num == 0 || den == 0 {
            return None;
        }
        let g = gcd(num, den);
        Some(Self { num: num / g, den: den / g })
    }

    /// Parses `"30000/1001"`, `"30"` or `"29.97"`; `"0/0"` and `"N/A"` give `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((n, d)) = text.split_once('/') {
            let n: u64 = n.trim().parse().ok()?;
            let d: u64 = d.trim().parse().ok()?;
            if n > u64::from(u32::MAX) || d > u64::from(u32::MAX) {
                return None;
            }
            return Self::new(n as u32, d as u32);
        }
        let value: f64 = text.parse().ok()?;
        Self::from_f64(value)
    }

    /// Converts a decimal frame rate, recognising the NTSC rates (29.97 is `30000/1001`).
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() || value <= 0.0 || value > 1_000_000.0 {
            return None;
        }
        for base in [24_u32, 30, 48, 60, 120, 240] {
            let ntsc = f64::from(base) * 1000.0 / 1001.0;
            if (value - ntsc).abs() < 0.006 {
                return Self::new(base * 1000, 1001);
            }
        }
        let scaled = (value * 1000.0).round();
        if scaled < 1.0 {
            return None;
        }
        Self::new(scaled as u32, 1000)
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The duration of one unit (one frame at this rate), in seconds.
    pub fn period(self) -> f64 {
        f64::from(self.den) / f64::from(self.num)
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ffprobe_forms() {
        assert_eq!(Rational::parse("30000/1001"), Rational::new(30000, 1001));
        assert_eq!(Rational::parse("60/1"), Rational::new(60, 1));
        assert_eq!(Rational::parse("0/0"), None);
        assert_eq!(Rational::parse("N/A"), None);
        assert_eq!(Rational::parse("29.97"), Rational::new(30000, 1001));
        assert_eq!(Rational::parse("25"), Rational::new(25, 1));
        assert_eq!(Rational::parse("12.5").unwrap().to_string(), "25/2");
    }
}
