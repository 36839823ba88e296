/* Unit tests for configuration validation (filled in below). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
static void test_placeholder_build(void **state) { (void)state; assert_true(1); }
int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_placeholder_build)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
