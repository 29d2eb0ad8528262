import { All, Controller, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DryRunGuard } from './dry-run.guard';
import { KubeError, KubeStatusFilter } from './kube-status';

/**
 * The core group's (`/api/v1`) paths kubesim does not serve; each kind it serves (nodes,
 * pods, namespaces, events, services, endpoints) has its own controller.
 */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubeCoreController {
  /** A path of this group kubesim does not serve: 405 for a known resource, else 404. */
  @All('*')
  notServed(@Req() req: FastifyRequest): never {
    const path = req.url.split('?')[0].replace(/^\/api\/v1\/?/, '');
    const known =
      /^(nodes|pods|namespaces|events|services|endpoints)(\/[^/]+)?$|^namespaces\/[^/]+\/(pods|events|services|endpoints)(\/[^/]+)?$/;
    if (known.test(path)) throw KubeError.methodNotAllowed();
    throw new KubeError(404, 'the server could not find the requested resource');
  }
}
