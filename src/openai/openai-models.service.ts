import { Injectable } from '@nestjs/common';
import { ModelNotFoundError } from '../common/errors/gateway-errors.js';
import { allows } from '../models/allowed-models.js';
import type { Deployment } from '../config/model-catalog.js';
import { ModelCatalogService } from '../models/model-catalog.service.js';
import type { OpenAiModelDto, OpenAiModelListDto } from './dto/chat-completion-response.dto.js';

/** GET /v1/models: each public model id once, then each deployment as `provider/id`; only what the access key may use. */
@Injectable()
export class OpenAiModelsService {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly catalog: ModelCatalogService) {}

  /** `allowed`: an access key's models; the others are left out. */
  list(allowed: readonly string[] | null = null): OpenAiModelListDto {
    const servable = new Set(this.catalog.servable().filter((deployment) => allows(allowed, deployment)).map((deployment) => deployment.key));
    const entry = (id: string, serving: readonly Deployment[]): OpenAiModelDto => {
      const windows = serving.map((deployment) => this.catalog.contextWindow(deployment));
      const known = windows.every((window) => window !== undefined);
      return {
        id,
        object: 'model',
        created: this.created,
        owned_by: [...new Set(serving.map((deployment) => deployment.provider))].join(','),
        ...(known ? { context_window: Math.max(...(windows as number[])) } : {}),
      };
    };
    const models: OpenAiModelDto[] = [];
    const deployments: OpenAiModelDto[] = [];
    for (const [model, members] of this.catalog.groups) {
      const serving = members.filter((deployment) => servable.has(deployment.key));
      if (serving.length === 0) continue;
      models.push(entry(model, serving));
      deployments.push(...serving.map((deployment) => entry(deployment.key, [deployment])));
    }
    return { object: 'list', data: [...models, ...deployments] };
  }

  /** One entry of `list`: a public model id or `provider/id`; 404 when it is not listed there. */
  retrieve(id: string, allowed: readonly string[] | null = null): OpenAiModelDto {
    const model = this.list(allowed).data.find((entry) => entry.id === id);
    if (!model) throw new ModelNotFoundError(id);
    return model;
  }
}
