/*
 * clones.h - BP_ELEMENTWISE: compile a function of elementwise loops (the
 * optimizer's update, the trainer's gradient sums) three times, for
 * AVX-512, AVX2 and plain x86-64, and pick one when the program starts
 * (gcc's target_clones; the loader calls the chooser once).  The library
 * is built for plain x86-64, whose 2-double vectors made the update of a
 * large network a sixth of a two-thread epoch.
 *
 * The results are the same bits in all three: each element is computed
 * with the same operations in the same order, and -std=c11 keeps gcc
 * from fusing a multiply and an add into one rounding (-ffp-contract=off).
 */
#ifndef BP_CORE_CLONES_H
#define BP_CORE_CLONES_H

/* Not under ThreadSanitizer, whose run time is not ready when the loader
 * calls the choosers (the test binary crashed before main). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(BP_NO_SIMD) && defined(__ELF__) && !defined(__SANITIZE_THREAD__)
#define BP_ELEMENTWISE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BP_ELEMENTWISE
#endif

#endif
