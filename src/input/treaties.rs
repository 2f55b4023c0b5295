//! Reinsurance on the portfolio (`[[treaty]]`), applied in order to what the insurer keeps
//! of each year's insured loss: a quota share cedes its share of it; an aggregate stop loss
//! pays the part of it above its attachment, up to its limit; a loss-ratio stop loss is one
//! whose attachment and limit are ratios of a subject premium.

use super::toml_section::{table_name, tables, unique_names, Section};
use crate::error::Result;

/// What a treaty covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TreatyKind {
    /// Cedes `cession` of the year's retained loss.
    QuotaShare { cession: f64 },
    /// Pays the year's retained loss above `attachment`, at most `limit`.
    AggregateStopLoss { attachment: f64, limit: f64 },
    /// An aggregate stop loss on the year's loss ratio: attaching at `attachment_ratio` and
    /// paying at most `limit_ratio` of the subject premium (`subject_premium`, else the book's
    /// technical premium).
    LossRatioStopLoss { attachment_ratio: f64, limit_ratio: f64, subject_premium: Option<f64> },
}

impl TreatyKind {
    pub fn name(&self) -> &'static str {
        match self {
            TreatyKind::QuotaShare { .. } => "quota_share",
            TreatyKind::AggregateStopLoss { .. } => "aggregate_stop_loss",
            TreatyKind::LossRatioStopLoss { .. } => "loss_ratio_stop_loss",
        }
    }

    /// Its terms in amounts: a loss-ratio stop loss's ratios times its subject premium
    /// (`book_premium` where it gives none).
    pub fn in_amounts(&self, book_premium: f64) -> Terms {
        match *self {
            TreatyKind::QuotaShare { cession } => Terms::Cession(cession),
            TreatyKind::AggregateStopLoss { attachment, limit } => Terms::Layer { attachment, limit },
            TreatyKind::LossRatioStopLoss { attachment_ratio, limit_ratio, subject_premium } => {
                let premium = subject_premium.unwrap_or(book_premium);
                // (An infinite limit stays infinite, even on a premium of 0.)
                let limit = if limit_ratio.is_infinite() { f64::INFINITY } else { limit_ratio * premium };
                Terms::Layer { attachment: attachment_ratio * premium, limit }
            }
        }
    }
}

/// A treaty's terms in amounts ([`TreatyKind::in_amounts`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Terms {
    /// Cedes this share of the year's kept loss.
    Cession(f64),
    /// Pays the year's kept loss above `attachment`, at most `limit`.
    Layer { attachment: f64, limit: f64 },
}

impl Terms {
    /// What it recovers of a year whose loss kept so far is `kept`.
    pub fn recovers(&self, kept: f64) -> f64 {
        match *self {
            Terms::Cession(cession) => cession * kept,
            Terms::Layer { attachment, limit } => (kept - attachment).clamp(0.0, limit),
        }
    }
}

/// One treaty.
#[derive(Debug, Clone, PartialEq)]
pub struct Treaty {
    pub name: String,
    pub kind: TreatyKind,
    /// What the insurer pays for it a year, if given (for the cost of reinsurance).
    pub premium: Option<f64>,
    pub source: String,
}

/// Reads the `[[treaty]]` tables (none: no reinsurance).
pub fn parse(file: &str, value: Option<&toml::Value>) -> Result<Vec<Treaty>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let treaties = tables(file, "treaty", value, |mut s: Section| {
        let name = table_name(&mut s, "treaty")?;
        let amount = |s: &mut Section, key: &'static str, infinite_ok: bool| -> Result<Option<f64>> {
            match s.f64_opt(key)? {
                Some(v) if v >= 0.0 && (v.is_finite() || infinite_ok) => Ok(Some(v)),
                Some(v) => Err(s.error(key, format!("{v} is not an amount ≥ 0"))),
                None => Ok(None),
            }
        };
        let kind = match s.str_opt("kind")? {
            Some("quota_share") => {
                let cession =
                    s.f64_opt("cession")?.ok_or_else(|| s.error("cession", "missing; the share ceded, e.g. 0.4"))?;
                if !(cession > 0.0 && cession <= 1.0) {
                    return Err(s.error("cession", format!("{cession} is not a share in (0, 1]")));
                }
                TreatyKind::QuotaShare { cession }
            }
            Some("aggregate_stop_loss") => {
                let attachment = amount(&mut s, "attachment", false)?
                    .ok_or_else(|| s.error("attachment", "missing; the year's kept loss above which it pays"))?;
                let limit = amount(&mut s, "limit", true)?
                    .ok_or_else(|| s.error("limit", "missing; the most it pays a year (or inf)"))?;
                TreatyKind::AggregateStopLoss { attachment, limit }
            }
            Some("loss_ratio_stop_loss") => {
                let ratio = |s: &mut Section, key: &'static str, infinite_ok: bool, what: &str| {
                    amount(s, key, infinite_ok)?.ok_or_else(|| s.error(key, format!("missing; {what}")))
                };
                let attachment_ratio =
                    ratio(&mut s, "attachment_ratio", false, "the loss ratio above which it pays, e.g. 0.8")?;
                let limit_ratio =
                    ratio(&mut s, "limit_ratio", true, "the most it pays as a ratio of the premium, e.g. 0.5 (or inf)")?;
                let subject_premium = amount(&mut s, "subject_premium", false)?;
                TreatyKind::LossRatioStopLoss { attachment_ratio, limit_ratio, subject_premium }
            }
            Some(other) => {
                return Err(s.error(
                    "kind",
                    format!(
                        "\"{}\" is not a treaty kind; expected \"quota_share\", \"aggregate_stop_loss\" or \"loss_ratio_stop_loss\"",
                        crate::text::printable(other)
                    ),
                ))
            }
            None => {
                return Err(s.error("kind", "missing; \"quota_share\", \"aggregate_stop_loss\" or \"loss_ratio_stop_loss\""))
            }
        };
        let premium = amount(&mut s, "premium", false)?;
        let source = s.str_opt("source")?.unwrap_or("").to_string();
        s.finish()?;
        Ok(Treaty { name, kind, premium, source })
    })?;
    unique_names(file, "treaty", treaties.iter().map(|t| t.name.as_str()))?;
    Ok(treaties)
}
