/* One monotonic deadline, passed down through every network step. */
#ifndef GW_DEADLINE_H
#define GW_DEADLINE_H

#include <stdint.h>

typedef struct gw_deadline {
    int64_t at_ms;      /* CLOCK_MONOTONIC milliseconds; < 0 means none */
} gw_deadline;

int64_t gw_now_ms(void);
/* A deadline `seconds` from now; seconds <= 0 gives no deadline. */
gw_deadline gw_deadline_in(double seconds);
/* Milliseconds left, clamped to [0, INT32_MAX]; -1 when there is no deadline
 * (the value poll() takes for "wait forever"). */
int gw_deadline_left_ms(gw_deadline d);
int gw_deadline_passed(gw_deadline d);

#endif
