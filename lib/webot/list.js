'use strict'
// node-webot wechat's `wechat.List`: named menus a text reply can wait on
// (`res.wait(name)`); the user's next text picks an item by its key.
const util = require('util')

let lists = Object.create(null)

class List {
  constructor() {
    this.map = Object.create(null)
  }

  /** The item for `key` (a reply string or a handler); own keys only. */
  get(key) {
    return typeof key === 'string' && Object.hasOwn(this.map, key) ? this.map[key] : undefined
  }

  /**
   * `items`: `[['{1} first', handlerOrReply], …]`; `{key}` in the text is the
   * key the user types. The description (what res.wait replies) is built as
   * node-webot builds it.
   */
  static add(name, items, head, delimiter, foot) {
    const list = new List()
    list.name = name
    const description = items.map(([text, handle]) => String(text).replace(/\{(.*)\}/, (match, key) => {
      list.map[key] = handle
      return key
    }))
    list.description = delimiter
      ? util.format('%s\n%s\n%s', head || '', description.join('\n' + delimiter + '\n'), foot || '')
      : description.join('\n')
    lists[name] = list
  }

  static get(name) {
    return typeof name === 'string' && Object.hasOwn(lists, name) ? lists[name] : undefined
  }

  static clear() {
    lists = Object.create(null)
  }
}

module.exports = List
