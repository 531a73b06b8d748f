// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "reports/**", ".stryker-tmp/**", "ehr-r1-demo/**", "bench-out/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
    rules: {
      // A double assertion through unknown hides a type error instead of fixing it.
      "no-restricted-syntax": [
        "error",
        {
          selector: "TSAsExpression > TSAsExpression[typeAnnotation.type='TSUnknownKeyword']",
          message: "no `as unknown as`: fix the type instead",
        },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Non-null assertions after a check the compiler cannot follow (Map.get after has, array bounds) are how strict TS is written here.
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
