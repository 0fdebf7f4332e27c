// The editor's per-widget module (`Editor._esm`): under 1 KB. The editor itself, the bundle
// vnb/notebook/static/editor.js and editor.css, reaches the page once per kernel, in one shared
// widget model (vnb.notebook._assets.shared_bundle) that every editor names in its `bundle`
// trait; the module is evaluated and the stylesheet added once per page: every editor of the
// page renders with the same module.
const BUNDLES = (globalThis.__vnbEditorBundles ??= new Map()); // key -> Promise of the module

async function sharedModel(model) {
  const ref = model.get("bundle");
  if (typeof ref !== "string" || !ref.startsWith("IPY_MODEL_")) throw new Error(`vnb editor: no bundle model (${ref})`);
  const id = ref.slice("IPY_MODEL_".length);
  for (let attempt = 0; ; attempt++) {
    try {
      return await model.widget_manager.get_model(id);
    } catch (err) {
      // restoring a page, models arrive in any order: wait a little for the bundle's
      if (attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function editorModule(model) {
  const shared = await sharedModel(model);
  const key = shared.get("key");
  if (!BUNDLES.has(key)) {
    const style = document.createElement("style");
    style.dataset.vnbEditor = key;
    style.textContent = shared.get("css");
    document.head.append(style);
    const url = URL.createObjectURL(new Blob([shared.get("esm")], { type: "text/javascript" }));
    const loading = import(/* @vite-ignore */ url).finally(() => URL.revokeObjectURL(url));
    loading.catch(() => BUNDLES.delete(key)); // a failed load may be tried again
    BUNDLES.set(key, loading);
  }
  return (await BUNDLES.get(key)).default;
}

export default {
  async render({ model, el }) {
    const editor = await editorModule(model);
    return editor.render({ model, el });
  },
};
