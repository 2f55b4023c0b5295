//! Wider vector registers where the processor has them, with the same results.
//!
//! The portable build targets the x86-64 baseline (SSE2: two doubles a register). Loops that
//! the compiler vectorises and that weigh in a run (the exponentials of a column of lognormal
//! draws, the increased-limit layer sums) go through [`wide!`], which runs them compiled for
//! AVX2 (four doubles a register) where the processor has it (checked at run time, cached by
//! the standard library). Other loops measured gained nothing: the compiler vectorises them
//! no better with AVX2, or they wait on memory.
//!
//! Only AVX2 is enabled, not FMA: Rust never fuses a multiplication and an addition on its
//! own, so every operation rounds as in the baseline build and the results are the same bits
//! on any processor (tests compare the two paths).
#![allow(unsafe_code)]

/// The body of a function, `$body` (an expression of the variables `$arg`, which the function
/// has by these names), compiled twice: for AVX2, run where the processor has it, and for the
/// baseline, run elsewhere. `$body` should call `#[inline(always)]` functions, which are then
/// compiled into each version (a closure, or a function the compiler leaves out of line, runs
/// as it is). For use as a whole function body.
macro_rules! wide {
    ($body:expr; $($arg:ident: $ty:ty),* $(=> $ret:ty)?) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2($($arg: $ty),*) $(-> $ret)? {
                $body
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: `avx2` needs only that the processor has AVX2, checked just above.
                #[allow(unsafe_code)]
                return unsafe { avx2($($arg),*) };
            }
        }
        $body
    }};
}
pub(crate) use wide;

#[cfg(test)]
mod tests {
    #[inline(always)]
    fn sum_of_squares_on(values: &[f64]) -> f64 {
        values.iter().fold(0.0, |a, b| a + b * b)
    }

    fn sum_of_squares(values: &[f64]) -> f64 {
        wide!(sum_of_squares_on(values); values: &[f64] => f64)
    }

    #[test]
    fn both_paths_give_the_same_result() {
        let values: Vec<f64> = (1..1000).map(|i| (i as f64).sqrt() * 1.5).collect();
        assert_eq!(sum_of_squares(&values).to_bits(), sum_of_squares_on(&values).to_bits());
    }
}
