import { Get } from '@nestjs/common';
import { ADMIN_PATHS, type DashboardResponse } from '@sentinel/admin-contract';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { DashboardService } from './dashboard.service';

@AdminController()
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get(ADMIN_PATHS.dashboard)
  @RequireRole('viewer')
  get(): Promise<DashboardResponse> {
    return this.dashboard.dashboard();
  }
}
