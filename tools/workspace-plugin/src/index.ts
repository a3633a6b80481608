export { serverModuleGenerator, type ServerModuleSchema } from './generators/server-module/generator';
