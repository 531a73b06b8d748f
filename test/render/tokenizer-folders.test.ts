import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { EstimatedTokenCounter, ModelTokenizer, tokenCounterFor } from "../../src/render/tokenizer.js";
import { describeNeeding, itNeeding, QWEN3_DIR, QWEN3_FILES, tempDir } from "../helpers/data.js";

describeNeeding(
  QWEN3_FILES,
  "model folders: where the chat template comes from, and what is wrong with a folder",
  () => {
    const dir = tempDir();
    // Read when a test runs: the suite is collected (and reported as skipped) without the data.
    const qwen3Template = () =>
      (JSON.parse(readFileSync(join(QWEN3_DIR, "tokenizer_config.json"), "utf8")) as { chat_template: string })
        .chat_template;
    const folder = (name: string, config: Record<string, unknown>, jinja?: string) => {
      const path = join(dir, name);
      mkdirSync(path);
      copyFileSync(join(QWEN3_DIR, "tokenizer.json"), join(path, "tokenizer.json"));
      writeFileSync(join(path, "tokenizer_config.json"), JSON.stringify(config));
      if (jinja !== undefined) writeFileSync(join(path, "chat_template.jinja"), jinja);
      return path;
    };
    const messages = [{ role: "user" as const, content: "x" }];

    itNeeding(QWEN3_FILES, "reads chat_template.jinja when the config has none, and prefers the config's own", () => {
      const own = ModelTokenizer.load(folder("own", { chat_template: qwen3Template() }, "{{ 'from the jinja file' }}"));
      expect(own.applyChatTemplate(messages)).toBe("<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n");
      const jinja = ModelTokenizer.load(
        folder("jinja", {}, "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}{{ eos_token }}"),
      );
      expect(jinja.hasChatTemplate).toBe(true);
      expect(jinja.applyChatTemplate(messages)).toBe("[x]");
      // Special tokens may be plain strings or {content} objects, as tokenizer_config.json writes them.
      const special = ModelTokenizer.load(
        folder(
          "special",
          { bos_token: "<s>", eos_token: { content: "</s>" } },
          "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}",
        ),
      );
      expect(special.applyChatTemplate(messages)).toBe("<s>x</s>");
    });

    itNeeding(QWEN3_FILES, "a folder without a template counts tokens but cannot template, and says so", () => {
      const bare = ModelTokenizer.load(folder("bare", {}));
      expect(bare.hasChatTemplate).toBe(false);
      expect(bare.count("Hello world <think>")).toBe(4);
      expect(bare.count("Hello world <think>")).toBe(4);
      expect(() => bare.applyChatTemplate(messages)).toThrow(
        /bare\/tokenizer_config\.json: has no chat_template \(and there is no chat_template\.jinja\)/,
      );
    });

    itNeeding(QWEN3_FILES, "names the file whose template or tokenizer does not parse", () => {
      expect(() => ModelTokenizer.load(folder("badtemplate", { chat_template: "{% for %}" }))).toThrow(
        /badtemplate\/tokenizer_config\.json: chat template does not parse: /,
      );
      expect(() => ModelTokenizer.load(folder("badjinja", {}, "{% if %}"))).toThrow(
        /badjinja\/chat_template\.jinja: chat template does not parse: /,
      );
      const broken = join(dir, "broken");
      mkdirSync(broken);
      writeFileSync(join(broken, "tokenizer.json"), JSON.stringify({ model: { type: "NoSuchModel" } }));
      writeFileSync(join(broken, "tokenizer_config.json"), "{}");
      expect(() => ModelTokenizer.load(broken)).toThrow(/broken\/tokenizer\.json: cannot build a tokenizer from it: /);
    });

    itNeeding(QWEN3_FILES, "tokenCounterFor: the model's tokenizer for a folder, the estimate without one", () => {
      expect(tokenCounterFor(QWEN3_DIR)).toBeInstanceOf(ModelTokenizer);
      const estimate = tokenCounterFor();
      expect(estimate).toBeInstanceOf(EstimatedTokenCounter);
      // ceil(bytes / 1.5): 3 bytes → 2, "é" is 2 bytes → 2.
      expect(estimate.count("abc")).toBe(2);
      expect(estimate.count("é")).toBe(2);
      expect(estimate.count("")).toBe(0);
    });
  },
);
