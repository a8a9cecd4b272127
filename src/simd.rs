//! Which vector instructions the hot loops run with, chosen once at run time.
//!
//! The lane engine and the lane tally are plain loops over lanes, which the compiler vectorises
//! for whatever instructions it may use. A portable build may only use x86-64's baseline (two
//! doubles per instruction), so [`dispatch`] compiles the work it is given again with AVX2 and
//! with AVX-512 enabled, and runs the widest version the processor has. Every version does the
//! same IEEE arithmetic in the same order (Rust never fuses a multiply and an add on its own),
//! so all give the same bits; the engine's tests run each version the machine has.

/// An instruction set the processor running this program has. Made only by [`Isa::detect`] and
/// [`Isa::available`], so a value is a promise that its instructions can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa(Level);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
enum Level {
    Baseline,
    Avx2,
    Avx512,
}

impl Isa {
    /// The widest instruction set this processor has.
    pub fn detect() -> Isa {
        Isa(*Isa::levels().last().unwrap_or(&Level::Baseline))
    }

    /// Every instruction set this processor has, narrowest first.
    pub fn available() -> Vec<Isa> {
        Isa::levels().into_iter().map(Isa).collect()
    }

    /// Its name, for benchmarks and test messages.
    pub fn name(self) -> &'static str {
        match self.0 {
            Level::Baseline => "baseline",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
        }
    }

    /// Whether it works on four doubles or more at once: enough that a computation done on
    /// every lane beats doing it on the few lanes that need it, one at a time.
    pub fn has_wide_vectors(self) -> bool {
        self.0 >= Level::Avx2
    }

    fn levels() -> Vec<Level> {
        let mut levels = vec![Level::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                levels.push(Level::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                levels.push(Level::Avx512);
            }
        }
        levels
    }
}

/// Runs `work` compiled for `isa`: `work`, and everything inlined into it, may use its
/// instructions.
#[inline(always)]
pub fn dispatch<R>(isa: Isa, work: impl FnOnce() -> R) -> R {
    match isa.0 {
        // SAFETY: an `Isa` is only made for instruction sets the processor has.
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => unsafe { with_avx512(work) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { with_avx2(work) },
        _ => work(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512dq,avx512vl,avx512bw")]
unsafe fn with_avx512<R>(work: impl FnOnce() -> R) -> R {
    work()
}
