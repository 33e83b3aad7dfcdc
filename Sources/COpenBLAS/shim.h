#include <cblas-openblas.h>
#include <stddef.h>

// LAPACK's symmetric eigensolver, which libopenblas also exports (Fortran calling convention: every argument by
// pointer, then the hidden lengths of the two character arguments).
void ssyev_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w, float *work,
            const int *lwork, int *info, size_t jobz_len, size_t uplo_len);
