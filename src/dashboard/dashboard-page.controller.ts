import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/http/public.decorator.js';
import { DashboardPage } from './dashboard-page.js';

/**
 * The dashboard's page and its scripts and styles: for a browser, like /docs, so not in the API
 * document (their data is GET /dashboard/data). They hold no data, so they are public: with
 * GATEWAY_API_KEYS set, the page asks for an admin key and sends it with each GET /dashboard/data.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard')
export class DashboardPageController {
  constructor(private readonly page: DashboardPage) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  getPage(): string {
    return this.page.html;
  }

  @Get('assets/:file')
  getAsset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = this.page.asset(file);
    if (!asset) throw new NotFoundException();
    void reply.header('content-type', asset.contentType);
    // Named with the build's version by the page: a new build is a new URL.
    void reply.header('cache-control', 'public, max-age=31536000, immutable');
    return asset.body;
  }
}
