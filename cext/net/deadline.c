/* Monotonic deadlines (CLOCK_MONOTONIC: immune to the wall clock being set,
 * which a router does at boot when NTP answers). */
#include <time.h>
#include <stdint.h>
#include "deadline.h"

int64_t gw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gw_deadline gw_deadline_in(double seconds)
{
    gw_deadline d;
    if (seconds <= 0 || seconds > 1e9)
        d.at_ms = -1;
    else
        d.at_ms = gw_now_ms() + (int64_t)(seconds * 1000.0 + 0.5);
    return d;
}

int gw_deadline_left_ms(gw_deadline d)
{
    int64_t left;
    if (d.at_ms < 0)
        return -1;
    left = d.at_ms - gw_now_ms();
    if (left < 0)
        return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

int gw_deadline_passed(gw_deadline d)
{
    return d.at_ms >= 0 && gw_now_ms() >= d.at_ms;
}
