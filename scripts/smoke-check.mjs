// The tiny check harness of the smoke scripts: prints each check and closes with the plain
// 'name: N passed, N failed' line CI reads; exits non-zero when a check failed.
export function smokeChecks(name) {
  let passed = 0;
  let failed = 0;
  return {
    check(what, ok, detail = '') {
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n     ${detail}`}`);
    },
    finish(suffix = '') {
      console.log(`\n${name}: ${passed} passed, ${failed} failed${suffix}`);
      process.exit(failed ? 1 : 0);
    },
  };
}
