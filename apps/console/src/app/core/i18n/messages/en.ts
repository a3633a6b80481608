import { Messages } from './messages';

export const en: Messages = {
  app: {
    name: 'Sentinel',
  },
  shell: {
    navLabel: 'Main navigation',
    toggleNav: 'Toggle navigation',
    switchToDark: 'Switch to dark theme',
    switchToLight: 'Switch to light theme',
    language: 'Language',
  },
  pages: {
    dashboard: {
      title: 'Dashboard',
      summary: 'Requests, bindings and intercepts at a glance.',
    },
    bindings: {
      title: 'Bindings',
      summary: 'Token IP bindings: rules, unbinding and bans.',
    },
    logs: {
      title: 'Logs',
      summary: 'Intercepted requests, filterable by token, IP and time.',
    },
    settings: {
      title: 'Settings',
      summary: 'Live runtime settings: alerts, binding prefixes and retention.',
    },
    audit: {
      title: 'Audit',
      summary: 'Who changed what, and when.',
    },
  },
  placeholder: {
    comingSoon: 'This page comes with the admin API.',
  },
};
