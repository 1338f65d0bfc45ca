// oneDNN's C API (Debian's libdnnl-dev 2.6, built on OpenMP) and the two libgomp calls the
// numeric core makes to size oneDNN's thread team.
#include <oneapi/dnnl/dnnl.h>

/// From <omp.h>, which libgomp installs only with the compiler; libgomp exports these.
extern void omp_set_num_threads(int num_threads);
extern int omp_get_max_threads(void);
