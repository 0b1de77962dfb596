// Polls an SSDA903 import's progress; when it has finished, reloads the page, which then shows
// the counts or every error.
import { pollStatus } from './status-poll.mjs'

const container = document.querySelector('[data-module="app-import-status"]')

if (container) {
  pollStatus(container, (body, message) => {
    if (body.finished) {
      message.textContent = `${body.status_label}. Showing the outcome…`
      window.location.reload()
      return false
    }
    const stage = body.status === 'queued' ? 'Waiting to start' : (body.stage || 'Importing')
    message.textContent = `${stage}: ${body.progress}% done.`
    return true
  })
}
