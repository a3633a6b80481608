import { Messages } from './messages';

export const zhCN: Messages = {
  app: {
    name: 'Sentinel',
  },
  shell: {
    navLabel: '主导航',
    toggleNav: '展开或收起导航',
    switchToDark: '切换到深色主题',
    switchToLight: '切换到浅色主题',
    language: '语言',
  },
  pages: {
    dashboard: {
      title: '仪表盘',
      summary: '请求、绑定与拦截情况一览。',
    },
    bindings: {
      title: '绑定',
      summary: '令牌的 IP 绑定：规则、解绑与封禁。',
    },
    logs: {
      title: '日志',
      summary: '被拦截的请求，可按令牌、IP 和时间筛选。',
    },
    settings: {
      title: '设置',
      summary: '实时运行设置：告警、绑定前缀与数据保留。',
    },
    audit: {
      title: '审计',
      summary: '谁在何时修改了什么。',
    },
  },
  placeholder: {
    comingSoon: '此页面将随管理 API 一同上线。',
  },
};
