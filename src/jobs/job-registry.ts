import { Injectable } from '@nestjs/common';
import type { JobType } from './job-type';

/** The job types of this app: each `JobsModule.forFeature(type)` adds its own at boot. */
@Injectable()
export class JobRegistry {
  private readonly types = new Map<string, JobType>();

  add(type: JobType): void {
    if (this.types.has(type.name)) throw new Error(`Job type ${type.name} is registered twice`);
    this.types.set(type.name, type);
  }

  get(name: string): JobType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()];
  }
}
