/*
 * posix/math.c -- lo_math (drivers/platform.h) on the C library's libm.
 */
#include <math.h>

#include "drivers/platform.h"

double lo_math(enum lo_math_fn fn, double x, double y)
{
    switch (fn) {
    case LO_MATH_SQRT:  return sqrt(x);
    case LO_MATH_EXP:   return exp(x);
    case LO_MATH_LOG:   return log(x);
    case LO_MATH_SIN:   return sin(x);
    case LO_MATH_COS:   return cos(x);
    case LO_MATH_TAN:   return tan(x);
    case LO_MATH_ASIN:  return asin(x);
    case LO_MATH_ACOS:  return acos(x);
    case LO_MATH_ATAN:  return atan(x);
    case LO_MATH_SINH:  return sinh(x);
    case LO_MATH_COSH:  return cosh(x);
    case LO_MATH_TANH:  return tanh(x);
    case LO_MATH_ATAN2: return atan2(x, y);
    case LO_MATH_POW:   return pow(x, y);
    }
    return NAN;
}
