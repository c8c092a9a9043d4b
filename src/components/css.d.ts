// `?inline` CSS imports are the file's text (Vite's rule; web-test-runner.config.mjs does the same),
// adopted into shadow roots with unsafeCSS.
declare module '*.css?inline' {
  const css: string;
  export default css;
}
