#!/usr/bin/env node
// `npm test`'s check of the translations (after lint): every message the sources mark with msg() has a
// Russian <target>, and the committed files are what the tools make of the sources now:
//   - src/components/locales/setting-texts.ts: what scripts/i18n-engine-strings.mjs writes from the schema;
//   - src/components/locales/xliff/ru.xlf: what `lit-localize extract` writes;
//   - src/components/locales/generated/ru.ts: what `lit-localize build` writes.
// The tools run on temporary copies (a temporary config pointing at a temporary folder seeded with the
// committed files), so the check changes nothing. Exits 1 with a list of what to fix.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SETTING_TEXTS_PATH, settingTextsModule } from './i18n-engine-strings.mjs';

const config = JSON.parse(readFileSync('lit-localize.json', 'utf8'));
const xliffDir = resolve(config.interchange.xliffDir);
const outputDir = resolve(config.output.outputDir);
const localeCodes = resolve(config.output.localeCodesModule);
const cli = resolve('node_modules/@lit/localize-tools/bin/lit-localize.js');
const problems = [];
const read = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

// (b) The schema's texts.
if ((await settingTextsModule()) !== read(SETTING_TEXTS_PATH)) {
  problems.push('src/components/locales/setting-texts.ts is stale (the texts of src/engine/settings.ts changed): run npm run i18n:extract, then translate the new units and run npm run i18n:build');
}

const tmp = mkdtempSync(join(tmpdir(), 'check-locales-'));
try {
  cpSync(xliffDir, join(tmp, 'xliff'), { recursive: true });
  cpSync(outputDir, join(tmp, 'generated'), { recursive: true });
  cpSync(localeCodes, join(tmp, 'locale-codes.ts'));
  const tmpConfig = join(tmp, 'lit-localize.json');
  writeFileSync(tmpConfig, JSON.stringify({
    ...config,
    tsConfig: resolve(config.tsConfig),
    output: { ...config.output, outputDir: join(tmp, 'generated'), localeCodesModule: join(tmp, 'locale-codes.ts') },
    interchange: { ...config.interchange, xliffDir: join(tmp, 'xliff') },
  }, null, 2));
  const run = (command) => {
    const r = spawnSync(process.execPath, [cli, command, '--config', tmpConfig], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`lit-localize ${command} failed:\n${r.stdout}${r.stderr}`);
  };

  run('extract');
  for (const locale of config.targetLocales) {
    const file = `${locale}.xlf`;
    const extracted = readFileSync(join(tmp, 'xliff', file), 'utf8');
    if (extracted !== read(join(xliffDir, file))) {
      problems.push(`${join(config.interchange.xliffDir, file)} is stale (messages in the sources changed): run npm run i18n:extract`);
    }
    // (a) Units without a translation, listed by their English.
    const missing = [...extracted.matchAll(/<trans-unit id="([^"]+)"[^>]*>\s*<source>([\s\S]*?)<\/source>(\s*<target>)?/g)].filter((m) => !m[3]);
    if (missing.length > 0) {
      problems.push(`${missing.length} message(s) have no <target> in ${file} (missing ${locale} translation):\n` +
        missing.map((m) => `    ${m[1]}: ${m[2].replace(/\s+/g, ' ').slice(0, 140)}`).join('\n'));
    }
  }

  run('build');
  for (const locale of config.targetLocales) {
    const built = join(tmp, 'generated', `${locale}.ts`);
    if (read(built) !== read(join(outputDir, `${locale}.ts`))) {
      problems.push(`${join(config.output.outputDir, `${locale}.ts`)} is stale (ru.xlf changed since it was built): run npm run i18n:build`);
    }
  }
  if (read(join(tmp, 'locale-codes.ts')) !== read(localeCodes)) problems.push(`${config.output.localeCodesModule} is stale: run npm run i18n:build`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`check-locales: the translations are not complete or not up to date:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('check-locales: every message has its Russian translation, and the generated files are current');
