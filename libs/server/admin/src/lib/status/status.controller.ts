import { Get } from '@nestjs/common';
import { ADMIN_PATHS, type StatusResponse } from '@sentinel/admin-contract';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { StatusService } from './status.service';

@AdminController()
export class StatusController {
  constructor(private readonly status: StatusService) {}

  @Get(ADMIN_PATHS.status)
  @RequireRole('viewer')
  get(): Promise<StatusResponse> {
    return this.status.status();
  }
}
