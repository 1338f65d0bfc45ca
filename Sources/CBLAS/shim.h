#include <cblas.h>
#include <stddef.h>

/// LAPACK's symmetric eigen-solver (relatively robust representations), which OpenBLAS
/// exports with the Fortran ABI: every argument by address, then the hidden lengths of the
/// three one-character arguments.
void ssyevr_(const char *jobz, const char *range, const char *uplo, const int *n, float *a, const int *lda,
             const float *vl, const float *vu, const int *il, const int *iu, const float *abstol, int *m,
             float *w, float *z, const int *ldz, int *isuppz, float *work, const int *lwork, int *iwork,
             const int *liwork, int *info, size_t jobz_length, size_t range_length, size_t uplo_length);
