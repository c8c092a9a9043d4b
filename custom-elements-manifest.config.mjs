// The manifest's attributes and properties of <mnist-trainer> come from the settings schema
// (src/engine/settings.ts), the one place they are declared: the element installs them at run time, so
// the analyzer cannot see them in the class. This plugin bundles the schema with esbuild and adds one
// attribute and one field per setting that has an attribute, with its type, default, rule and help.
import { build } from 'esbuild';

async function loadSchema() {
  const out = await build({
    entryPoints: ['src/engine/settings.ts'], bundle: true, write: false, format: 'esm', platform: 'neutral',
    loader: { '.wgsl': 'text' }, logLevel: 'error',
  });
  // The schema imports the optimizer's names from its op module, which reads WebGPU's flag constants at load.
  for (const g of ['GPUBufferUsage', 'GPUMapMode', 'GPUShaderStage']) globalThis[g] ??= new Proxy({}, { get: () => 0 });
  const url = `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`;
  return import(url);
}

const typeText = (s) => {
  const base = s.kind === 'choice' ? s.values.map((v) => `'${v}'`).join(' | ') : s.kind === 'integer' || s.kind === 'number' ? 'number' : s.kind === 'boolean' ? 'boolean' : 'string';
  return s.default === null ? `${base} | null` : base;
};

function settingsPlugin(schema) {
  return {
    name: 'mnist-trainer-settings',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        for (const decl of mod.declarations ?? []) {
          if (decl.tagName !== 'mnist-trainer') continue;
          decl.attributes ??= [];
          decl.members ??= [];
          for (const name of schema.SETTING_NAMES) {
            const s = schema.SETTINGS[name];
            if (s.attribute === null) continue;
            const description = `${s.help}. ${s.kind === 'text' ? '' : `Must be ${s.rule}. `}${s.live ? 'Applies to a running trainer at once.' : 'Applies to the next run.'}`;
            const def = s.default === null ? undefined : JSON.stringify(s.default);
            decl.attributes = decl.attributes.filter((a) => a.name !== s.attribute);
            decl.attributes.push({ name: s.attribute, fieldName: name, type: { text: typeText(s) }, default: def, description });
            decl.members = decl.members.filter((m) => m.name !== name);
            decl.members.push({ kind: 'field', name, type: { text: typeText(s) }, default: def, description, attribute: s.attribute });
          }
        }
      }
    },
  };
}

export default {
  globs: ['src/components/*.ts'],
  exclude: ['src/components/*.d.ts'],
  outdir: 'dist',
  litelement: true,
  // The analyzer does not await plugin hooks, so the schema is loaded before the config is returned.
  plugins: [settingsPlugin(await loadSchema())],
};
