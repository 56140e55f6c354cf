import { Injectable } from '@nestjs/common';
import { ModelCatalogService } from '../models/model-catalog.service.js';
import type { OpenAiModelDto, OpenAiModelListDto } from './dto/chat-completion-response.dto.js';

/** GET /v1/models: each public model id once, then each deployment as `provider/id`. */
@Injectable()
export class OpenAiModelsService {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(private readonly catalog: ModelCatalogService) {}

  list(): OpenAiModelListDto {
    const servable = new Set(this.catalog.servable().map((deployment) => deployment.key));
    const entry = (id: string, owners: string[]): OpenAiModelDto => ({
      id,
      object: 'model',
      created: this.created,
      owned_by: [...new Set(owners)].join(','),
    });
    const models: OpenAiModelDto[] = [];
    const deployments: OpenAiModelDto[] = [];
    for (const [model, members] of this.catalog.groups) {
      const serving = members.filter((deployment) => servable.has(deployment.key));
      if (serving.length === 0) continue;
      models.push(entry(model, serving.map((deployment) => deployment.provider)));
      deployments.push(...serving.map((deployment) => entry(deployment.key, [deployment.provider])));
    }
    return { object: 'list', data: [...models, ...deployments] };
  }
}
