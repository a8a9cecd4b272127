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

/// The environment variable that caps the instruction sets runs use, to check that a narrower
/// processor would give the same bytes: `baseline`, `avx2` or `avx512`.
pub const ISA_VARIABLE: &str = "FORESIGHT_ISA";

impl Isa {
    /// The widest instruction set this processor has, no wider than [`ISA_VARIABLE`] allows.
    pub fn detect() -> Isa {
        let widest = *Isa::levels().last().unwrap_or(&Level::Baseline);
        match Isa::cap() {
            Ok(Some(cap)) => Isa(widest.min(cap)),
            _ => Isa(widest),
        }
    }

    /// The cap [`ISA_VARIABLE`] sets, if it is set; a value it cannot hold is an error
    /// naming the valid ones (checked once as a command starts, by [`Isa::check_cap`]).
    fn cap() -> Result<Option<Level>, String> {
        let Some(value) = std::env::var_os(ISA_VARIABLE) else {
            return Ok(None);
        };
        match value.to_str() {
            Some("baseline") => Ok(Some(Level::Baseline)),
            Some("avx2") => Ok(Some(Level::Avx2)),
            Some("avx512") => Ok(Some(Level::Avx512)),
            _ => Err(format!(
                "{ISA_VARIABLE}={} is not an instruction set; valid: baseline, avx2, avx512 \
                 (or leave it unset for the widest this processor has)",
                value.to_string_lossy()
            )),
        }
    }

    /// Refuses a value of [`ISA_VARIABLE`] that names no instruction set.
    pub fn check_cap() -> Result<(), String> {
        Isa::cap().map(|_| ())
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

/// Asks for the cache lines holding `data[range]` ahead of their use: a hint, with no effect
/// on what any computation gives. Data read lane by lane from many places (each lane's own
/// array) defeats the processor's own prefetching, and each first read would wait on memory.
#[inline(always)]
pub fn prefetch<T>(data: &[T], range: std::ops::Range<usize>) {
    let Some(lines) = data.get(range) else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    for line in lines.chunks(64 / std::mem::size_of::<T>().max(1)) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of every x86-64 target, and a prefetch of a valid address
        // neither reads nor writes the program's memory.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = lines;
}

/// A value that vector instructions load whole, starting on a cache line (64 bytes): a 512-bit
/// load of it never straddles two lines, which costs as much as a second load.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(64))]
pub struct CacheAligned<T>(pub T);

impl<T> std::ops::Deref for CacheAligned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for CacheAligned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// A vector of `T`s, each on its own cache lines, that reads as a plain slice of `T`. For
/// `T`s whose size is a multiple of 64 bytes (lanes of numbers), so no padding lies between
/// them. A `Vec` underneath: the `aligned-vec` crate's `AVec` does the same job, but the lane
/// engine measured 7% slower on it (84 against 89 µs a 64-path group).
#[derive(Debug, Clone)]
pub struct AlignedVec<T> {
    items: Vec<CacheAligned<T>>,
}

impl<T: Clone> AlignedVec<T> {
    /// `len` copies of `value`.
    pub fn from_elem(value: T, len: usize) -> Self {
        const {
            assert!(
                std::mem::size_of::<T>().is_multiple_of(64),
                "aligned items must fill whole cache lines"
            )
        };
        AlignedVec {
            items: vec![CacheAligned(value); len],
        }
    }
}

impl<T> std::ops::Deref for AlignedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `CacheAligned<T>` is `repr(C)` with `T` its only field, and `T`'s size is a
        // multiple of its 64-byte alignment (asserted in `from_elem`, the only constructor), so
        // it has no padding: `len` of them are `len` `T`s back to back.
        unsafe { std::slice::from_raw_parts(self.items.as_ptr().cast::<T>(), self.items.len()) }
    }
}

impl<T> std::ops::DerefMut for AlignedVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `deref`, and the borrow is unique.
        unsafe {
            std::slice::from_raw_parts_mut(self.items.as_mut_ptr().cast::<T>(), self.items.len())
        }
    }
}

impl<'a, T> IntoIterator for &'a AlignedVec<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut AlignedVec<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::AlignedVec;

    #[test]
    fn aligned_items_start_on_cache_lines_and_read_as_a_slice() {
        let mut lanes = AlignedVec::from_elem([0.0f64; 64], 5);
        for (index, item) in (&mut lanes).into_iter().enumerate() {
            item[index] = index as f64 + 1.0;
        }
        assert_eq!(lanes.len(), 5);
        for (index, item) in lanes.iter().enumerate() {
            assert_eq!(item.as_ptr() as usize % 64, 0, "item {index}");
            assert_eq!(item.iter().sum::<f64>(), index as f64 + 1.0);
        }
        let bytes = AlignedVec::from_elem([7u8; 64], 3);
        assert!(bytes.iter().flatten().all(|&byte| byte == 7));
        assert_eq!(bytes.as_ptr() as usize % 64, 0);
    }
}
