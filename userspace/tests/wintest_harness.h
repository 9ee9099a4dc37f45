/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness's API for the win_* tests built as Windows programs.
 *
 * Why this exists: the tests use the real kselftest_harness.h wherever it can
 * be built (the host and VM builds). It cannot be built for Windows: it forks
 * a child per test, waits for it with waitpid() and times it out with
 * SIGALRM. This shim implements only the subset the win_* tests use, with
 * the same semantics, and runs the tests in-process one after another:
 *
 *   TEST, TEST_F, FIXTURE, FIXTURE_SETUP, FIXTURE_TEARDOWN, FIXTURE_VARIANT,
 *   FIXTURE_VARIANT_ADD, ASSERT_/EXPECT_ EQ NE LT LE GT GE TRUE FALSE NULL
 *   NONNULL STREQ STRNE, SKIP, TH_LOG, TEST_HARNESS_MAIN
 *
 * As in the harness: a failed ASSERT ends the test at once (a longjmp), a
 * failed EXPECT fails it and carries on, both accept a trailing statement
 * that runs only on failure; SKIP marks the test skipped whatever else
 * happens; teardown runs once setup has completed. Where the two differ:
 * all tests share one process, so what a test leaves behind (statics, open
 * sockets) the next one sees; a SKIP in setup skips the test body here (as
 * later harnesses do; 6.1 still runs it: SKIP in the test instead); there is
 * no per-test timeout (run-tap.sh -t bounds the whole program) and no
 * recovery from a crash (the program ends after the test's "not ok" line).
 * The TAP output has the harness's shape, so run-tap.sh reads both.
 *
 * Tests run in source order: every registration carries its __LINE__, which
 * does not depend on the order in which the toolchain runs constructors.
 */
#ifndef DCX_WINTEST_HARNESS_H
#define DCX_WINTEST_HARNESS_H

/* Like the real harness (-isystem): its macros are not -Wextra clean. */
#pragma GCC system_header

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define TH_LOG(fmt, ...) \
	fprintf(stderr, "# %s:%d:%s:" fmt "\n", __FILE__, __LINE__, \
		_metadata->name, ##__VA_ARGS__)

#define SKIP(statement, fmt, ...) do { \
	snprintf(_metadata->results.reason, \
		 sizeof(_metadata->results.reason), fmt, ##__VA_ARGS__); \
	fprintf(stderr, "#      SKIP      %s\n", _metadata->results.reason); \
	_metadata->passed = 1; \
	_metadata->skip = 1; \
	_metadata->trigger = 0; \
	statement; \
} while (0)

struct __test_metadata;

struct __test_results {
	char reason[1024];
};

struct __fixture_variant_metadata {
	const char *name;
	const void *data;
	int line;
	struct __fixture_variant_metadata *next;
};

struct __fixture_metadata {
	const char *name;
	int line;
	struct __test_metadata *tests;
	struct __fixture_variant_metadata *variant;
	struct __fixture_metadata *next;
};

struct __test_metadata {
	const char *name;
	void (*fn)(struct __test_metadata *, const void *variant);
	struct __fixture_metadata *fixture;
	int line;
	int passed;
	int skip;
	int trigger;		/* run the statement after a failed check */
	bool setup_completed;
	jmp_buf env;		/* a failed ASSERT jumps back here */
	struct __test_results results;
	struct __test_metadata *next;
};

static struct __fixture_metadata _fixture_global = { .name = "global" };
static struct __fixture_metadata *__fixture_list = &_fixture_global;
static char __wt_current_name[512] = "(none)";
static unsigned int __wt_current_num;	/* 0 between tests */

/* Keep a list sorted by source line (the global fixture is line 0). */
#define __WT_INSERT(head, item) do { \
	__typeof__(item) *__pp = &(head); \
	while (*__pp && (*__pp)->line <= (item)->line) \
		__pp = &(*__pp)->next; \
	(item)->next = *__pp; \
	*__pp = (item); \
} while (0)

static inline void __register_fixture(struct __fixture_metadata *f)
{
	__WT_INSERT(__fixture_list, f);
}

static inline void
__register_fixture_variant(struct __fixture_metadata *f,
			   struct __fixture_variant_metadata *v)
{
	__WT_INSERT(f->variant, v);
}

static inline void __register_test(struct __test_metadata *t)
{
	__WT_INSERT(t->fixture->tests, t);
}

#define TEST(test_name) \
	static void test_name(struct __test_metadata *_metadata); \
	static void wrapper_##test_name(struct __test_metadata *_metadata, \
					const void *variant) \
	{ \
		(void)variant; \
		_metadata->setup_completed = true; \
		if (setjmp(_metadata->env) == 0) \
			test_name(_metadata); \
	} \
	static struct __test_metadata _##test_name##_object = { \
		.name = #test_name, .fn = wrapper_##test_name, \
		.fixture = &_fixture_global, .line = __LINE__, \
	}; \
	static void __attribute__((constructor)) _register_##test_name(void) \
	{ \
		__register_test(&_##test_name##_object); \
	} \
	static void test_name( \
		struct __test_metadata __attribute__((unused)) *_metadata)

#define FIXTURE_DATA(fixture_name) struct _test_data_##fixture_name
#define FIXTURE_VARIANT(fixture_name) struct _fixture_variant_##fixture_name

#define FIXTURE(fixture_name) \
	FIXTURE_VARIANT(fixture_name); \
	static struct __fixture_metadata _##fixture_name##_fixture_object = { \
		.name = #fixture_name, .line = __LINE__, \
	}; \
	static void __attribute__((constructor)) \
	_register_##fixture_name##_data(void) \
	{ \
		__register_fixture(&_##fixture_name##_fixture_object); \
	} \
	FIXTURE_DATA(fixture_name)

#define FIXTURE_SETUP(fixture_name) \
	void fixture_name##_setup( \
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name) \
			__attribute__((unused)) *variant)

#define FIXTURE_TEARDOWN(fixture_name) \
	void fixture_name##_teardown( \
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name) \
			__attribute__((unused)) *variant)

#define FIXTURE_VARIANT_ADD(fixture_name, variant_name) \
	extern FIXTURE_VARIANT(fixture_name) \
		_##fixture_name##_##variant_name##_variant; \
	static struct __fixture_variant_metadata \
		_##fixture_name##_##variant_name##_object = { \
		.name = #variant_name, \
		.data = &_##fixture_name##_##variant_name##_variant, \
		.line = __LINE__, \
	}; \
	static void __attribute__((constructor)) \
	_register_##fixture_name##_##variant_name(void) \
	{ \
		__register_fixture_variant(&_##fixture_name##_fixture_object, \
			&_##fixture_name##_##variant_name##_object); \
	} \
	FIXTURE_VARIANT(fixture_name) \
		_##fixture_name##_##variant_name##_variant =

/*
 * Setup, test, teardown; no teardown after a failed setup. A failed ASSERT
 * in teardown jumps to the second setjmp: teardown does not run again (the
 * real harness loops there until its timeout).
 */
/* No per-test timeouts here: Wine's run is bounded by run-tap.sh. */
#define TEST_F_TIMEOUT(fixture_name, test_name, timeout) \
	TEST_F(fixture_name, test_name)

#define TEST_F(fixture_name, test_name) \
	static void fixture_name##_##test_name( \
		struct __test_metadata *_metadata, \
		FIXTURE_DATA(fixture_name) *self, \
		const FIXTURE_VARIANT(fixture_name) *variant); \
	static void wrapper_##fixture_name##_##test_name( \
		struct __test_metadata *_metadata, const void *variant) \
	{ \
		FIXTURE_DATA(fixture_name) self; \
		memset(&self, 0, sizeof(self)); \
		if (setjmp(_metadata->env) == 0) { \
			fixture_name##_setup(_metadata, &self, variant); \
			if (!_metadata->passed) \
				return; \
			_metadata->setup_completed = true; \
			if (!_metadata->skip) \
				fixture_name##_##test_name(_metadata, &self, \
							   variant); \
		} \
		if (_metadata->setup_completed) { \
			_metadata->setup_completed = false; \
			if (setjmp(_metadata->env) == 0) \
				fixture_name##_teardown(_metadata, &self, \
							variant); \
		} \
	} \
	static struct __test_metadata \
		_##fixture_name##_##test_name##_object = { \
		.name = #test_name, \
		.fn = wrapper_##fixture_name##_##test_name, \
		.fixture = &_##fixture_name##_fixture_object, \
		.line = __LINE__, \
	}; \
	static void __attribute__((constructor)) \
	_register_##fixture_name##_##test_name(void) \
	{ \
		__register_test(&_##fixture_name##_##test_name##_object); \
	} \
	static void fixture_name##_##test_name( \
		struct __test_metadata __attribute__((unused)) *_metadata, \
		FIXTURE_DATA(fixture_name) __attribute__((unused)) *self, \
		const FIXTURE_VARIANT(fixture_name) \
			__attribute__((unused)) *variant)

#define ASSERT_EQ(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, ==, 1)
#define ASSERT_NE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, !=, 1)
#define ASSERT_LT(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, <, 1)
#define ASSERT_LE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, <=, 1)
#define ASSERT_GT(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, >, 1)
#define ASSERT_GE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, >=, 1)
#define ASSERT_NULL(seen) \
	__EXPECT(NULL, "NULL", seen, #seen, ==, 1)
#define ASSERT_NONNULL(seen) \
	__EXPECT(NULL, "NULL", seen, #seen, !=, 1)
#define ASSERT_TRUE(seen) \
	__EXPECT(0, "0", seen, #seen, !=, 1)
#define ASSERT_FALSE(seen) \
	__EXPECT(0, "0", seen, #seen, ==, 1)
#define ASSERT_STREQ(expected, seen) \
	__EXPECT_STR(expected, seen, ==, 1)
#define ASSERT_STRNE(expected, seen) \
	__EXPECT_STR(expected, seen, !=, 1)

#define EXPECT_EQ(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, ==, 0)
#define EXPECT_NE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, !=, 0)
#define EXPECT_LT(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, <, 0)
#define EXPECT_LE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, <=, 0)
#define EXPECT_GT(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, >, 0)
#define EXPECT_GE(expected, seen) \
	__EXPECT(expected, #expected, seen, #seen, >=, 0)
#define EXPECT_NULL(seen) \
	__EXPECT(NULL, "NULL", seen, #seen, ==, 0)
#define EXPECT_NONNULL(seen) \
	__EXPECT(NULL, "NULL", seen, #seen, !=, 0)
#define EXPECT_TRUE(seen) \
	__EXPECT(0, "0", seen, #seen, !=, 0)
#define EXPECT_FALSE(seen) \
	__EXPECT(0, "0", seen, #seen, ==, 0)
#define EXPECT_STREQ(expected, seen) \
	__EXPECT_STR(expected, seen, ==, 0)
#define EXPECT_STRNE(expected, seen) \
	__EXPECT_STR(expected, seen, !=, 0)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof(a[0]))
#endif

/* After a failed check: run the trailing statement once, then bail. */
#define OPTIONAL_HANDLER(_assert) \
	for (; _metadata->trigger; _metadata->trigger = \
			__bail(_assert, _metadata))

#define is_signed_type(var) \
	(!!(((__typeof__(var))(-1)) < (__typeof__(var))1))

#define __EXPECT(_expected, _expected_str, _seen, _seen_str, _t, _assert) do { \
	/* Avoid multiple evaluation of the cases */ \
	__typeof__(_expected) __exp = (_expected); \
	__typeof__(_seen) __seen = (_seen); \
	if (!(__exp _t __seen)) { \
		__wt_report(_metadata, __FILE__, __LINE__, _expected_str, \
			    is_signed_type(__exp), (uintmax_t)__exp, #_t, \
			    _seen_str, is_signed_type(__seen), \
			    (uintmax_t)__seen); \
		_metadata->passed = 0; \
		_metadata->trigger = 1; \
	} \
} while (0); OPTIONAL_HANDLER(_assert)

#define __EXPECT_STR(_expected, _seen, _t, _assert) do { \
	const char *__exp = (_expected); \
	const char *__seen = (_seen); \
	if (!(strcmp(__exp, __seen) _t 0)) { \
		TH_LOG("Expected '%s' %s '%s'.", __exp, #_t, __seen); \
		_metadata->passed = 0; \
		_metadata->trigger = 1; \
	} \
} while (0); OPTIONAL_HANDLER(_assert)

static inline void __wt_value(char *buf, size_t len, int is_signed,
			      uintmax_t v)
{
	if (is_signed)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* The harness's message, each value printed with its own signedness. */
static inline void __wt_report(const struct __test_metadata *t,
			       const char *file, int line, const char *exp_str,
			       int exp_signed, uintmax_t exp, const char *op,
			       const char *seen_str, int seen_signed,
			       uintmax_t seen)
{
	char e[24], s[24];

	__wt_value(e, sizeof(e), exp_signed, exp);
	__wt_value(s, sizeof(s), seen_signed, seen);
	fprintf(stderr, "# %s:%d:%s:Expected %s (%s) %s %s (%s)\n", file, line,
		t->name, exp_str, e, op, seen_str, s);
}

static inline int __bail(int for_realz, struct __test_metadata *t)
{
	if (for_realz)
		longjmp(t->env, 1);
	return 0;
}

/* A crash ends the program: report the test it was in before it does. */
static LONG WINAPI __wt_crash(EXCEPTION_POINTERS *info)
{
	fprintf(stderr, "# %s: Test terminated by exception 0x%08lx\n",
		__wt_current_name,
		(unsigned long)info->ExceptionRecord->ExceptionCode);
	if (__wt_current_num)
		printf("not ok %u %s\n", __wt_current_num, __wt_current_name);
	fflush(NULL);
	ExitProcess(1);
	return EXCEPTION_EXECUTE_HANDLER;
}

static inline void __wt_full_name(char *buf, size_t len,
				  const struct __fixture_metadata *f,
				  const struct __fixture_variant_metadata *v,
				  const struct __test_metadata *t)
{
	snprintf(buf, len, "%s%s%s.%s", f->name, v->name[0] ? "." : "",
		 v->name, t->name);
}

static int test_harness_run(void)
{
	struct __fixture_variant_metadata no_variant = { .name = "" };
	unsigned int cases = 0, tests = 0, num = 0, pass = 0, fail = 0;
	unsigned int skip = 0;
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	char *name = __wt_current_name;

	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
	SetUnhandledExceptionFilter(__wt_crash);

	for (f = __fixture_list; f; f = f->next) {
		for (v = f->variant ? f->variant : &no_variant; v; v = v->next) {
			cases++;
			for (t = f->tests; t; t = t->next)
				tests++;
		}
	}
	printf("TAP version 13\n1..%u\n", tests);
	printf("# Starting %u tests from %u test cases.\n", tests, cases);

	for (f = __fixture_list; f; f = f->next) {
		for (v = f->variant ? f->variant : &no_variant; v; v = v->next) {
			for (t = f->tests; t; t = t->next) {
				__wt_full_name(name, sizeof(__wt_current_name),
					       f, v, t);
				t->passed = 1;
				t->skip = 0;
				t->trigger = 0;
				t->setup_completed = false;
				memset(&t->results, 0, sizeof(t->results));
				printf("#  RUN           %s ...\n", name);
				fflush(stdout);
				__wt_current_num = ++num;
				t->fn(t, v->data);
				__wt_current_num = 0;
				printf("#          %4s  %s\n",
				       t->passed ? "OK" : "FAIL", name);
				if (t->skip) {
					skip++;
					printf("ok %u # SKIP %s\n", num,
					       t->results.reason[0] ?
					       t->results.reason : "unknown");
				} else if (t->passed) {
					pass++;
					printf("ok %u %s\n", num, name);
				} else {
					fail++;
					printf("not ok %u %s\n", num, name);
				}
				fflush(stdout);
			}
		}
	}
	printf("# %s: %u / %u tests passed.\n", fail ? "FAILED" : "PASSED",
	       pass + skip, num);
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	fflush(stdout);
	return fail ? 1 : 0;
}

#define TEST_HARNESS_MAIN \
	int main(void) \
	{ \
		return test_harness_run(); \
	}

#endif /* DCX_WINTEST_HARNESS_H */
