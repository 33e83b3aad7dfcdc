// One CPU for the threads a decoding library starts. libheif 1.15 offers no decoder settings, and dav1d (its AV1
// decoder) sizes its thread pool and frame buffers by the CPUs the calling thread may run on: a 20 MP 10-bit AVIF
// took 526 MB with two CPUs and 256 MB with one. Threads inherit the mask of the thread that starts them.
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>

#include "cairn_formats.h"

_Static_assert(sizeof(cpu_set_t) <= sizeof(((cairn_cpu_mask *)0)->bytes), "cpu_set_t fits cairn_cpu_mask");

int cairn_thread_pin_one_cpu(cairn_cpu_mask *saved) {
    cpu_set_t allowed;
    saved->pinned = 0;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) <= 1) return 0;
    memcpy(saved->bytes, &allowed, sizeof allowed);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &allowed)) {
            CPU_SET(cpu, &one);
            break;
        }
    }
    if (sched_setaffinity(0, sizeof one, &one) != 0) return 0;
    saved->pinned = 1;
    return 1;
}

void cairn_thread_restore_cpus(const cairn_cpu_mask *saved) {
    if (!saved->pinned) return;
    cpu_set_t allowed;
    memcpy(&allowed, saved->bytes, sizeof allowed);
    sched_setaffinity(0, sizeof allowed, &allowed);
}
