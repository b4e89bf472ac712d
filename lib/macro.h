/* Small helpers shared by every module: cleanup attributes, array sizes, branch hints. */
#ifndef RIFT_MACRO_H
#define RIFT_MACRO_H

#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_  __attribute__((warn_unused_result))

#define ARRAY_SIZE(a)                                                                                        \
        (sizeof(a) / sizeof((a)[0]) +                                                                        \
         0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Defines NAME##p(T **p) that calls FUNC(*p) if it is not NULL, for _cleanup_(). */
#define DEFINE_CLEANUP_FUNC(type, func)                                                                      \
        static inline void func##p(type **p)                                                                 \
        {                                                                                                    \
                if (*p)                                                                                      \
                        func(*p);                                                                            \
        }

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hands ownership out of a _cleanup_ variable: returns the value and leaves NULL behind. */
#define TAKE_PTR(p)                                                                                          \
        ({                                                                                                   \
                __typeof__(p) _tp = (p);                                                                     \
                (p) = NULL;                                                                                  \
                _tp;                                                                                         \
        })

#define TAKE_FD(fd)                                                                                          \
        ({                                                                                                   \
                int _tf = (fd);                                                                              \
                (fd) = -1;                                                                                   \
                _tf;                                                                                         \
        })

#endif
