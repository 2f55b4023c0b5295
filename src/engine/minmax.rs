//! Maximum and minimum of the engine's costs, which are never NaN.

/// `a.max(b)` for numbers that are never NaN (costs are finite: the model refuses parameters
/// that could overflow): one instruction, where `f64::max` must also handle NaN.
#[inline(always)]
pub(super) fn larger(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

/// `a.min(b)` for numbers that are never NaN (see [`larger`]).
#[inline(always)]
pub(super) fn smaller(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}
