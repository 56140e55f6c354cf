// Writes src/metadata.ts: the Swagger CLI plugin's view of the DTOs and controllers, for code
// that is not compiled by `nest build` (Vitest runs the sources through SWC).
import { writeFileSync } from 'node:fs';
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js';
import { ReadonlyVisitor } from '@nestjs/swagger/plugin';

const outputDir = new URL('../src', import.meta.url).pathname;
// The generator type-checks the sources, which import this file: start from an empty one, so
// neither a fresh clone (no file) nor a stale file (naming a moved class) fails that check.
writeFileSync(`${outputDir}/metadata.ts`, 'export default async () => ({});\n');

new PluginMetadataGenerator().generate({
  visitors: [
    new ReadonlyVisitor({
      introspectComments: true,
      classValidatorShim: true,
      pathToSource: outputDir,
    }),
  ],
  outputDir,
  tsconfigPath: 'tsconfig.build.json',
  watch: false,
});
