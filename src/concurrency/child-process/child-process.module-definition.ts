import { ConfigurableModuleBuilder } from '@nestjs/common';
import { type ChildProcessModuleOptions } from './child-process.options';

export const {
  ConfigurableModuleClass: ConfigurableChildProcessModule,
  MODULE_OPTIONS_TOKEN: CHILD_PROCESS_OPTIONS,
  OPTIONS_TYPE: CHILD_PROCESS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CHILD_PROCESS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ChildProcessModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
