//! Reinsurance on the portfolio (`[[treaty]]`), applied in order to what the insurer keeps:
//! a quota share cedes its share of the year's kept loss (at most `event_limit` of each
//! systemic event's); a per-risk excess of loss pays each incident's loss to a policy above
//! its attachment, up to its limit; a catastrophe excess of loss the same of each systemic
//! event's loss to the portfolio; an aggregate stop loss the year's kept loss above its
//! attachment, up to its limit; a loss-ratio stop loss is one whose attachment and limit are
//! ratios of a subject premium. The layers of a per-risk (or catastrophe) programme are listed
//! one after another and share its subject: the loss kept after the treaties before the first.

use super::toml_section::{table_name, tables, unique_names, Section};
use crate::error::{Error, Result};

/// An excess-of-loss layer: pays a loss above `attachment`, at most `limit`, each time; at
/// most `limit × (1 + reinstatements)` a year, each reinstatement paid for at
/// `reinstatement_rate` of the premium, pro rata to the amount reinstated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layer {
    pub attachment: f64,
    pub limit: f64,
    /// `None`: unlimited and free.
    pub reinstatements: Option<u64>,
    pub reinstatement_rate: f64,
}

impl Layer {
    /// What it pays of one loss `x`.
    #[inline]
    pub fn recovers(&self, x: f64) -> f64 {
        (x - self.attachment).clamp(0.0, self.limit)
    }

    /// The most it pays a year: its limit and every reinstatement.
    pub fn annual_limit(&self) -> f64 {
        self.reinstatements.map_or(f64::INFINITY, |n| self.limit * (1.0 + n as f64))
    }

    /// The reinstatement premium of a year whose recoveries are `recovered`, for a layer
    /// costing `premium`: the amounts reinstated (the recoveries, up to the reinstatements'
    /// limits) as a share of the limit, at the reinstatement rate.
    pub fn reinstatement_premium(&self, recovered: f64, premium: f64) -> f64 {
        match self.reinstatements {
            Some(n) if self.limit > 0.0 => {
                premium * self.reinstatement_rate * recovered.min(self.limit * n as f64) / self.limit
            }
            _ => 0.0,
        }
    }

    /// Whether its layer and `other`'s cover some of the same amounts.
    fn overlaps(&self, other: &Layer) -> bool {
        self.attachment < other.attachment + other.limit && other.attachment < self.attachment + self.limit
    }
}

/// What a treaty covers.
#[derive(Debug, Clone, PartialEq)]
pub enum TreatyKind {
    /// Cedes `cession` of the year's kept loss, at most `event_limit` of each systemic event's.
    QuotaShare { cession: f64, event_limit: f64 },
    /// Pays each incident's loss to a policy (its kept insured loss) in the layer.
    PerRiskXol(Layer),
    /// Pays each systemic event's kept loss to the portfolio in the layer; of the events
    /// named (`None`: all).
    CatXol { layer: Layer, events: Option<Vec<String>> },
    /// Pays the year's retained loss above `attachment`, at most `limit`.
    AggregateStopLoss { attachment: f64, limit: f64 },
    /// An aggregate stop loss on the year's loss ratio: attaching at `attachment_ratio` and
    /// paying at most `limit_ratio` of the subject premium (`subject_premium`, else the book's
    /// technical premium).
    LossRatioStopLoss { attachment_ratio: f64, limit_ratio: f64, subject_premium: Option<f64> },
}

/// The treaty kinds, as `kind` names them.
const KINDS: &str =
    "\"quota_share\", \"per_risk_xol\", \"cat_xol\", \"aggregate_stop_loss\" or \"loss_ratio_stop_loss\"";

impl TreatyKind {
    pub fn name(&self) -> &'static str {
        match self {
            TreatyKind::QuotaShare { .. } => "quota_share",
            TreatyKind::PerRiskXol(_) => "per_risk_xol",
            TreatyKind::CatXol { .. } => "cat_xol",
            TreatyKind::AggregateStopLoss { .. } => "aggregate_stop_loss",
            TreatyKind::LossRatioStopLoss { .. } => "loss_ratio_stop_loss",
        }
    }

    pub fn is_per_risk(&self) -> bool {
        matches!(self, TreatyKind::PerRiskXol(_))
    }

    /// Its excess-of-loss layer, for a per-risk or catastrophe treaty.
    pub fn layer(&self) -> Option<&Layer> {
        match self {
            TreatyKind::PerRiskXol(layer) | TreatyKind::CatXol { layer, .. } => Some(layer),
            _ => None,
        }
    }

    /// A stop loss's terms in amounts: a loss-ratio stop loss's ratios times its subject
    /// premium (`book_premium` where it gives none); `None` for other kinds.
    pub fn stop_loss(&self, book_premium: f64) -> Option<(f64, f64)> {
        match *self {
            TreatyKind::AggregateStopLoss { attachment, limit } => Some((attachment, limit)),
            TreatyKind::LossRatioStopLoss { attachment_ratio, limit_ratio, subject_premium } => {
                let premium = subject_premium.unwrap_or(book_premium);
                // (An infinite limit stays infinite, even on a premium of 0.)
                let limit = if limit_ratio.is_infinite() { f64::INFINITY } else { limit_ratio * premium };
                Some((attachment_ratio * premium, limit))
            }
            _ => None,
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
        let kind = match s.str_opt("kind")? {
            Some("quota_share") => {
                let cession =
                    s.f64_opt("cession")?.ok_or_else(|| s.error("cession", "missing; the share ceded, e.g. 0.4"))?;
                if !(cession > 0.0 && cession <= 1.0) {
                    return Err(s.error("cession", format!("{cession} is not a share in (0, 1]")));
                }
                let event_limit = match amount(&mut s, "event_limit", true)? {
                    Some(v) if v > 0.0 => v,
                    Some(v) => return Err(s.error("event_limit", format!("{v} is not an amount above 0"))),
                    None => f64::INFINITY,
                };
                TreatyKind::QuotaShare { cession, event_limit }
            }
            Some("per_risk_xol") => TreatyKind::PerRiskXol(layer(&mut s, "incident's loss to a policy")?),
            Some("cat_xol") => {
                let layer = layer(&mut s, "systemic event's loss to the portfolio")?;
                TreatyKind::CatXol { layer, events: s.str_list_opt("events")? }
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
                let limit_ratio = ratio(
                    &mut s,
                    "limit_ratio",
                    true,
                    "the most it pays as a ratio of the premium, e.g. 0.5 (or inf)",
                )?;
                let subject_premium = amount(&mut s, "subject_premium", false)?;
                TreatyKind::LossRatioStopLoss { attachment_ratio, limit_ratio, subject_premium }
            }
            Some(other) => {
                let other = crate::text::printable(other);
                return Err(s.error("kind", format!("\"{other}\" is not a treaty kind; expected {KINDS}")));
            }
            None => return Err(s.error("kind", format!("missing; {KINDS}"))),
        };
        let premium = amount(&mut s, "premium", false)?;
        let source = s.str_opt("source")?.unwrap_or("").to_string();
        s.finish()?;
        Ok(Treaty { name, kind, premium, source })
    })?;
    unique_names(file, "treaty", treaties.iter().map(|t| t.name.as_str()))?;
    check_programme(file, &treaties)?;
    Ok(treaties)
}

/// An amount ≥ 0 at `key`, if given (`inf` where `infinite_ok`).
fn amount(s: &mut Section, key: &'static str, infinite_ok: bool) -> Result<Option<f64>> {
    match s.f64_opt(key)? {
        Some(v) if v >= 0.0 && (v.is_finite() || infinite_ok) => Ok(Some(v)),
        Some(v) => Err(s.error(key, format!("{v} is not an amount ≥ 0"))),
        None => Ok(None),
    }
}

/// An excess-of-loss layer's keys: `attachment`, `limit` (finite, above 0), `reinstatements`
/// and `reinstatement_rate`; `each` says what it pays per.
fn layer(s: &mut Section, each: &str) -> Result<Layer> {
    let attachment = amount(s, "attachment", false)?
        .ok_or_else(|| s.error("attachment", format!("missing; the amount of each {each} above which it pays")))?;
    let limit = match amount(s, "limit", false)? {
        Some(v) if v > 0.0 => v,
        Some(v) => return Err(s.error("limit", format!("{v} is not an amount above 0"))),
        None => return Err(s.error("limit", format!("missing; the most it pays of each {each}"))),
    };
    let reinstatements = s.u64_opt("reinstatements")?;
    let reinstatement_rate = amount(s, "reinstatement_rate", false)?.unwrap_or(1.0);
    if reinstatements.is_none() && s.table().contains_key("reinstatement_rate") {
        return Err(
            s.error("reinstatement_rate", "is given without reinstatements (without, they are free and unlimited)")
        );
    }
    Ok(Layer { attachment, limit, reinstatements, reinstatement_rate })
}

/// Checks the treaties' order: per-risk layers come first but for quota shares (without an
/// event limit), one after another; catastrophe layers next, after quota shares and per-risk
/// layers only, one after another; stop losses after both. Layers of one programme must not
/// cover the same amounts of the same losses.
fn check_programme(file: &str, treaties: &[Treaty]) -> Result<()> {
    let error = |i: usize, message: String| Error::input(format!("{file}: treaty[{}].kind: {message}", i + 1));
    for (i, treaty) in treaties.iter().enumerate() {
        let before = &treaties[..i];
        let Some(layer) = treaty.kind.layer() else { continue };
        let per_risk = matches!(treaty.kind, TreatyKind::PerRiskXol(_));
        let same = |t: &Treaty| std::mem::discriminant(&t.kind) == std::mem::discriminant(&treaty.kind);
        let allowed = |t: &Treaty| match t.kind {
            TreatyKind::QuotaShare { event_limit, .. } => !per_risk || event_limit.is_infinite(),
            TreatyKind::PerRiskXol(_) => true,
            TreatyKind::CatXol { .. } => !per_risk,
            _ => false,
        };
        if let Some(j) = before.iter().position(|t| !allowed(t)) {
            let what = if per_risk {
                "a per-risk layer comes before every other kind but quota shares without an event_limit"
            } else {
                "a catastrophe layer comes before every stop loss"
            };
            return Err(error(i, format!("{what}; move it before treaty[{}] \"{}\"", j + 1, before[j].name)));
        }
        if let Some(j) = before.iter().position(same) {
            if !before[j..].iter().all(same) {
                return Err(error(
                    i,
                    format!(
                        "the layers of a {} programme come one after another; treaty[{}] \"{}\" is one too",
                        treaty.kind.name(),
                        j + 1,
                        before[j].name
                    ),
                ));
            }
        }
        let shares_losses = |t: &Treaty| match (&t.kind, &treaty.kind) {
            (TreatyKind::CatXol { events: Some(a), .. }, TreatyKind::CatXol { events: Some(b), .. }) => {
                a.iter().any(|e| b.contains(e))
            }
            _ => same(t),
        };
        let overlapping =
            before.iter().position(|t| shares_losses(t) && t.kind.layer().is_some_and(|l| l.overlaps(layer)));
        if let Some(j) = overlapping {
            return Err(error(
                i,
                format!(
                    "its layer {} xs {} overlaps treaty[{}] \"{}\"'s: the layers of a programme cover different amounts of each loss",
                    layer.limit,
                    layer.attachment,
                    j + 1,
                    before[j].name
                ),
            ));
        }
    }
    Ok(())
}

/// Checks that every event a catastrophe layer names is a `[[systemic]]` event's (`events`).
pub fn check_events<'n>(file: &str, treaties: &[Treaty], events: impl Iterator<Item = &'n str> + Clone) -> Result<()> {
    for (i, treaty) in treaties.iter().enumerate() {
        if let TreatyKind::CatXol { events: Some(named), .. } = &treaty.kind {
            if let Some(unknown) = named.iter().find(|n| !events.clone().any(|e| e == n.as_str())) {
                let known: Vec<&str> = events.clone().collect();
                return Err(Error::input(format!(
                    "{file}: treaty[{}].events: \"{}\" is not a [[systemic]] event's name (they are: {})",
                    i + 1,
                    crate::text::printable(unknown),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
        }
    }
    Ok(())
}
