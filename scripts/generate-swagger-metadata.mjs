// Writes src/metadata.ts: the Swagger CLI plugin's view of the DTOs and controllers, for code
// that is not compiled by `nest build` (Vitest runs the sources through SWC).
import { PluginMetadataGenerator } from '@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js';
import { ReadonlyVisitor } from '@nestjs/swagger/plugin';

new PluginMetadataGenerator().generate({
  visitors: [
    new ReadonlyVisitor({
      introspectComments: true,
      classValidatorShim: true,
      pathToSource: new URL('../src', import.meta.url).pathname,
    }),
  ],
  outputDir: new URL('../src', import.meta.url).pathname,
  tsconfigPath: 'tsconfig.build.json',
  watch: false,
});
